"""Browser end-to-end tests (make test-e2e); see conftest.py."""
