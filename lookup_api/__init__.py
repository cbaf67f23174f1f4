"""The personal lookup API (个人补贴发放结果查询): FastAPI over the read-only lookup.sqlite."""
