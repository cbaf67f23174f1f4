"""Generator for the 惠民惠农财政补贴资金“一卡通” disclosure site.

Stages (one module each): load -> validate -> mask -> render -> write,
plus ingest (raw export -> pseudonymized batch), synth (sample data) and
the privacy gate.  Only the CLI turns domain errors into messages.
"""

__version__ = "0.1.0"
