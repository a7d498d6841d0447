"""Reference routes for benchmarks/api_serving.py, served beside the project's on the same database.

`bare` is the ceiling (one `.values()` query as JsonResponse); `drf` is what a typical open-source DRF job board
serves (ModelSerializer, nested company, PageNumberPagination). Run with
DJANGO_SETTINGS_MODULE=reference_board.settings and benchmarks/ on the Python path.
"""
