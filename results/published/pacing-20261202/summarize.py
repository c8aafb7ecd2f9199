import csv,gzip,os,sys,statistics as st
# usage: summ.py DIR...  -> per (variant,gc_threads): runs, degenerated per run, ttsp of im/remark pauses percentiles, max pause, peak heap
for d in sys.argv[1:]:
    runs=list(csv.DictReader(open(d+'/runs.csv')))
    pp=d+'/pauses.csv'   # gzipped where it was over 1 MB (incremental-*)
    pauses=list(csv.DictReader(gzip.open(pp+'.gz','rt') if os.path.exists(pp+'.gz') else open(pp)))
    byrun={}
    for p in pauses: byrun.setdefault(p['run_id'],[]).append(p)
    groups={}
    for r in runs:
        groups.setdefault((r['variant'],r['workload'],r['gc_threads']),[]).append(r)
    for k,rs in sorted(groups.items()):
        degs=[int(r['degenerated']) for r in rs]
        tt=[]; stops=0; cyc=[]
        for r in rs:
            ps=byrun.get(r['run_id'],[])
            tt+= [int(p['ttsp_ns']) for p in ps if p['kind'] in('initial-mark','remark','degenerated')]
            cyc.append(sum(1 for p in ps if p['kind'] in ('remark','degenerated','full')))
        tt.sort()
        q=lambda f: tt[min(len(tt)-1,int(f*len(tt)))]/1000 if tt else 0
        n50=sum(1 for t in tt if t>50000); n20=sum(1 for t in tt if t>20000)
        print(f"{d.split('/')[-1]:14s} {k[0]:22s} {k[1]:10s} g{k[2]} runs={len(rs)} degen={degs} cycles={cyc} "
              f"ttsp n={len(tt)} p50={q(.5):.0f} p90={q(.9):.0f} p99={q(.99):.0f} max={q(1):.0f}us >20us:{n20} >50us:{n50} "
              f"ttsp_p99(runs)={[int(r['ttsp_p99_ns'])//1000 for r in rs]} pmax={[int(r['pause_max_ns'])//1000 for r in rs]} "
              f"wall={st.median([int(r['wall_ns']) for r in rs])/1e6:.0f}ms peakMiB={st.median([int(r['peak_heap_bytes']) for r in rs])/2**20:.0f}")
