"""Screenshot of the seeds' HTML report for the README.

    .venv/bin/python scripts/screenshot_report.py [--out docs/report-seeds.png]

Runs ``dedupe report fixtures/seeds --format html`` as a user would, opens
the file in headless Chromium (Debian's ``chromium``) and photographs the
first pair: its verdict lines, the passage list and the two texts side by
side, each scrolled to its first shared passage.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "report-seeds.png"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("screenshot_report: no chromium on PATH (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "report.html"
        subprocess.run([sys.executable, "-m", "dedupe", "report", "fixtures/seeds", "--format",
                        "html", "-o", str(page_path)], check=True, cwd=ROOT)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.goto(page_path.as_uri())
            # each text scrolled to its first shared passage, as a reader following the links would see it
            page.evaluate("""() => document.querySelectorAll('.pair')[0].querySelectorAll('.text').forEach(panel => {
                const first = panel.querySelector('a.passage');
                if (first) panel.scrollTop = first.offsetTop - 40;
            })""")
            pair = page.locator(".pair").first
            box = pair.bounding_box()
            page.screenshot(path=args.out, full_page=True,
                            clip={"x": 0, "y": box["y"] - 8, "width": args.width, "height": args.height})
            browser.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
