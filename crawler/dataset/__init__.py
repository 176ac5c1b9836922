"""`scrapy dataset RUNS... -o DIR`: run files made into a folder to publish as it is.

DIR holds the latest version of each article as Parquet, one folder per spider
(data/rfi_cn/, data/rfi_tw/), a dataset card (README.md) and the card's plots
(plots/*.png). One job per module:

- locate.py: which record is the latest version of each article (crawler.compaction's
  selection), kept as where it lies in the run files, and read back in `published` order;
- rows.py: the Arrow schema, and a record as a row of it;
- parquet.py: one edition's rows into files of at most ROWS_PER_FILE rows;
- stats.py: what the card tells, counted as the rows go by;
- plots.py and card.py: the card's images and text;
- build.py: all of it into a temporary folder that then replaces DIR.

build.py pulls in pyarrow, matplotlib and PyYAML (requirements-dataset.txt); the rest of
the project never imports this package, so `scrapy crawl` runs without them.
"""

REQUIREMENTS_FILE = "requirements-dataset.txt"
LIBRARIES = ("pyarrow", "matplotlib", "yaml")  # the modules REQUIREMENTS_FILE installs
ROWS_PER_FILE = 100_000  # the most rows in one Parquet file, unless --rows-per-file says (parquet.py)
