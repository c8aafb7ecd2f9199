# COLLECTOR=incremental BARRIER=dijkstra|steele|yuasa|none: tri-colour marking in increments on the
# mutators, paced by allocation, between an initial-mark and a remark pause.
COLLECTOR_SRCS := collector/incremental.c $(wildcard collector/common/*.c)
COLLECTOR_LIBS :=
COLLECTOR_TESTS := tests/unit/barrier_lost_object.c tests/unit/barrier_weak_read.c tests/unit/test_weak.c tests/unit/test_census.c tests/unit/test_snapshot.c tests/unit/test_role_race.c tests/unit/test_heap_walk.c
