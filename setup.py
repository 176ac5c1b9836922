"""Packaging for scrapyd: `scrapyd-deploy` builds an egg of the `crawler` package with this.

Only what a crawl needs goes in: the package and its JSON Schema, not tests/ or bench/.
The `scrapy` entry point tells scrapyd which settings module the egg's project uses.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py


class BuildPyWithInits(build_py):
    """Gives every package of modules an `__init__.py` in the build (never in the tree).

    A folder of modules without one (crawler/spiders) imports as a namespace package from
    a folder, but not from inside a zipped egg: scrapyd would then find no spider module.
    """

    def run(self):
        super().run()
        for package in self.packages:
            source = Path(self.get_package_dir(package))
            built = Path(self.build_lib, *package.split("."))
            if any(source.glob("*.py")) and not (built / "__init__.py").exists():
                (built / "__init__.py").write_text("")


setup(
    name="rfi-crawler",
    version="1.0",
    packages=find_namespace_packages(include=["crawler", "crawler.*"], exclude=["*.__pycache__"]),
    package_data={"crawler": ["schemas/*.json"]},
    entry_points={"scrapy": ["settings = crawler.settings"]},
    cmdclass={"build_py": BuildPyWithInits},
    zip_safe=True,
)
