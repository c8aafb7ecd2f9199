/* columns.h: the header lines of the CSV files of a results folder (README, "Results"). They are a
 * stable interface: add columns at the end only. results.c writes them; the malloc baseline, which
 * links nothing of the harness, includes this file so that its rows keep the same columns. */
#ifndef GCLAB_COLUMNS_H
#define GCLAB_COLUMNS_H

#define RUNS_HEADER                                                                                         \
    "run_id,variant,collector,workload,params,threads,gc_threads,max_heap_bytes,heap_factor,rep,status,"   \
    "wall_ns,cpu_ns,gc_cpu_ns,collections,pauses,pause_total_ns,pause_p50_ns,pause_p90_ns,pause_p99_ns,"     \
    "pause_p999_ns,pause_max_ns,ttsp_p99_ns,ttsp_max_ns,mmu_1ms,mmu_2ms,mmu_5ms,mmu_10ms,mmu_20ms,mmu_50ms," \
    "mmu_100ms,mmu_200ms,mmu_500ms,mmu_1s,allocated_bytes,alloc_rate_mb_s,peak_heap_bytes,peak_rss_bytes,"  \
    "live_bytes,ops,lat_count,lat_p50_ns,lat_p90_ns,lat_p99_ns,lat_p999_ns,lat_max_ns,error,"              \
    "ttsp_p50_ns,pin,metered_count,metered_p50_ns,metered_p90_ns,metered_p99_ns,metered_p999_ns,metered_max_ns," \
    "degenerated,initial_heap_bytes,nursery_bytes,promote_age,gc_options,"                                 \
    "rss_bytes,heap_total_bytes,heap_used_bytes,external_bytes,censuses,leak_suspected,leak_top_type,"     \
    "leak_top_growth_bytes,leak_top_slope_bytes,leak_first_cycle,leak_last_cycle,"                          \
    "run_delay_ns,off_cpu_other_ns,stalled_ns,stall_ops,stall_total_ns,stall_attributed_ns,alloc_stalls"
/* pauses.csv: these columns, then one per pause figure (gclab.h's GC_PAUSE_FIGURES, which only
 * the harness sees; results.c appends them). */
#define PAUSES_HEADER_LEAD "run_id,variant,workload,rep,index,cycle,kind,start_ns,end_ns,duration_ns"
#define LATENCY_HEADER "run_id,variant,workload,rep,low_ns,high_ns,count,kind"
#define MMU_HEADER "run_id,variant,workload,rep,window_ns,mmu,bmu"
/* types.csv: a row per type per census (--census), and the census's totals as type "(total)". */
#define TYPES_HEADER "run_id,variant,workload,rep,cycle,type,objects,bytes,protected_objects,census_ns,requested"
/* stalls.csv: these columns, then "<cause>_ns" for each cause (harness/stalls.h: the pause kinds, the
 * stall causes, os, vm, unattributed), then window_lead_ns and window_ns (results.c writes them). */
#define STALLS_HEADER_LEAD "run_id,variant,workload,rep,rank,thread,start_ns,duration_ns"
#define WORKERS_HEADER "run_id,variant,workload,rep,worker,objects,bytes,steals,steal_fails,busy_ns,idle_ns"

#endif
