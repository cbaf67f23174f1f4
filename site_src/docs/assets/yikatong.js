// progressive enhancement, see sousuo/
