"""Setup for the service tests: the shared helpers' assertions explain their failures."""

import pytest

# Before anything imports it, so pytest rewrites its asserts as it does a test module's.
pytest.register_assert_rewrite("tests.services.conversation_helpers")
