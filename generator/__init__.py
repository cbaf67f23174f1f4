"""Generator for the 惠民惠农财政补贴资金“一卡通” disclosure site.

The build (pipeline.py): check (check.py: load -> rules -> scan) -> public
view (public.py) -> render stages (site/, index.py, posters/) -> privacy gate
-> commit (writer.py); names were masked before, by ingest (raw export ->
pseudonymized batch).  Only the CLI turns domain errors into messages.
"""

__version__ = "0.1.0"
