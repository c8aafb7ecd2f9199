# COLLECTOR=concurrent BARRIER=dijkstra|steele|yuasa|none: background marker threads alongside the
# mutators, between an initial-mark and a remark pause.
COLLECTOR_SRCS := collector/concurrent.c $(wildcard collector/common/*.c)
COLLECTOR_LIBS :=
COLLECTOR_TESTS := tests/unit/test_account.c tests/unit/barrier_lost_object.c tests/unit/barrier_weak_read.c tests/unit/test_weak.c tests/unit/test_census.c tests/unit/test_snapshot.c tests/unit/test_role_race.c tests/unit/test_heap_walk.c
