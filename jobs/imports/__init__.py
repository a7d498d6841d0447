"""Postings from elsewhere: a company's jobs from its applicant-tracking system's export, as drafts.

Each format has its parser (`greenhouse.py`: the job-board API's JSON with `pay_input_ranges`; `lever.py`: the
postings API's JSON with `salaryRange`; `csv_postings.py`: a CSV with one job a line), which turns the file into
`ImportedPosting` rows or `RowError`s without touching the database; `service.py` writes them through the
posting services (`postings_import`), in batches, each row on its own savepoint, idempotent by the source's own
id (`source_ref`)."""
