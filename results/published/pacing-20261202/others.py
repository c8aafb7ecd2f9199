import csv,sys,statistics as st
rows={}
for tag in ['before','after']:
    for r in csv.DictReader(open(f'{sys.argv[1]}/others-{tag}/runs.csv')):
        rows.setdefault((r['workload'],r['variant'],r['gc_threads']),{}).setdefault(tag,[]).append(r)
print(f"{'workload':11s} {'variant':20s} g  | degenerated b/a | collections b/a | wall ms med b/a | GC CPU ms med b/a | peak heap MiB med b/a | peak RSS MiB med b/a | status")
for k in sorted(rows):
    b,a=rows[k]['before'],rows[k]['after']
    f=lambda rs,c,d=1: st.median([int(x[c]) for x in rs])/d
    print(f"{k[0]:11s} {k[1]:20s} {k[2]} | {sum(int(x['degenerated']) for x in b):3d} / {sum(int(x['degenerated']) for x in a):3d} | {f(b,'collections'):5.0f} / {f(a,'collections'):5.0f} | {f(b,'wall_ns',1e6):6.0f} / {f(a,'wall_ns',1e6):6.0f} | {f(b,'gc_cpu_ns',1e6):5.0f} / {f(a,'gc_cpu_ns',1e6):5.0f} | {f(b,'peak_heap_bytes',2**20):5.0f} / {f(a,'peak_heap_bytes',2**20):5.0f} | {f(b,'peak_rss_bytes',2**20):5.0f} / {f(a,'peak_rss_bytes',2**20):5.0f} | {set(x['status'] for x in b+a)}")
