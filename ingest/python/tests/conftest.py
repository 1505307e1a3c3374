import os
import sys

# The package is used from the checkout, not installed.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
RELEASED = os.path.join(REPO, "schemas", "src", "main", "resources", "io", "attestream", "schemas", "released")
