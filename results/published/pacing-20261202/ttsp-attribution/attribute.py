import sys,re
rows=[]
for l in open(sys.argv[1]):
    if l.startswith('TT '): rows.append({k:int(v) for k,v in re.findall(r'(\w+)=(-?\d+)',l)})
rows.sort(key=lambda r:r['ttsp'])
n=len(rows); q=lambda f: rows[min(n-1,int(f*n))]['ttsp']
print(f"stops={n} p50={q(.5)} p90={q(.9)} p99={q(.99)} max={q(1)} >20:{sum(r['ttsp']>20 for r in rows)} >50:{sum(r['ttsp']>50 for r in rows)}")
cause={}
for r in rows:
    if r['ttsp']<=20: continue
    t=r['ttsp']
    if r['req']>t/2: c='collector late to request (crd %s)'%('>half' if r['crd']>r['req']/2 else 'small')
    elif r['park']>t/2:
        if r['mrd']>(r['park']-r['req'])/2: c='mutator descheduled (mrd)'
        elif r['slow']<r['req'] and r['slowend']>r['req']: c='mutator in slow path'
        else: c='mutator late, other'
    else: c='collector late to see (crd %s)'%('>half' if r['crd']>r['seen']/2 else 'small')
    cause.setdefault(c,[]).append(t)
for c,v in sorted(cause.items()): print(f"  {c:40s} n={len(v)} sum={sum(v)}us max={max(v)}")
