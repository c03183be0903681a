import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT))
# keep test runs from touching the user's cache
os.environ.setdefault("PERFLINT_CACHE_DIR", str(ROOT / ".pytest_cache" / "perflint"))
