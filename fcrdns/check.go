package fcrdns

import (
	"context"
	"hash/maphash"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rdnsctl/rdnsctl/resolver"
)

// Progress counts checked addresses (restic's progress.Counter shape). Check
// calls Add from a single goroutine, a few times a second.
type Progress interface{ Add(n int) }

// Options tune Check and CheckAll.
type Options struct {
	// Workers is the number of addresses checked at once (default
	// DefaultWorkers). Each has at most one query outstanding, so this is
	// also the number of queries in flight: keep it below what the servers'
	// socket buffers absorb. The resolver's own limits (QPS, in-flight cap)
	// apply on top.
	Workers int
	// Progress, if not nil, is told of the addresses checked.
	Progress Progress
}

// DefaultWorkers is the number of addresses checked at once by default: about
// what dnsperf keeps in flight (100), a little more to keep batches full.
const DefaultWorkers = 120

// Check checks every address received from addrs until it is closed, and
// returns the results in input order (duplicates included).
//
// Each distinct PTR name is looked up once per address family, however many
// addresses point at it. When ctx ends, Check stops, waits for the lookups
// in flight, and returns the addresses fully checked by then (still in input
// order, the others left out) with ctx's error.
func Check(ctx context.Context, r resolver.Resolver, addrs <-chan netip.Addr, opt Options) ([]Result, error) {
	e := newEngine(ctx, r, opt)
	// Results are kept in chunks that the checks fill in place (so that a
	// long input is not copied each time the storage grows), and put in one
	// slice at the end. A token in sem is an address being checked.
	const chunk = 4096
	var (
		chunks [][]Result
		have   [][]bool
		n      int // addresses read
	)
	sem := make(chan struct{}, e.workers)
	e.release = func() { <-sem }
	stop := e.report()
	func() {
		for {
			var a netip.Addr
			var ok bool
			select {
			case a, ok = <-addrs:
				if !ok {
					return
				}
			case <-ctx.Done():
				return
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			if n == len(chunks)*chunk {
				chunks = append(chunks, make([]Result, chunk))
				have = append(have, make([]bool, chunk))
			}
			e.wg.Add(1)
			e.start(job{addr: a, res: &chunks[n/chunk][n%chunk], ok: &have[n/chunk][n%chunk]})
			n++
		}
	}()
	e.wg.Wait()
	got := stop()
	results := make([]Result, 0, got)
	for i := range n {
		if have[i/chunk][i%chunk] {
			results = append(results, chunks[i/chunk][i%chunk])
		}
	}
	return results, ctx.Err()
}

// CheckAll is Check over a slice, which saves copying the results: it returns
// them in the order of addrs.
func CheckAll(ctx context.Context, r resolver.Resolver, addrs []netip.Addr, opt Options) ([]Result, error) {
	e := newEngine(ctx, r, opt)
	results := make([]Result, len(addrs))
	have := make([]bool, len(addrs))
	var next atomic.Int64
	e.pull = func() (job, bool) {
		i := int(next.Add(1)) - 1
		if i >= len(addrs) || ctx.Err() != nil {
			return job{}, false
		}
		return job{addr: addrs[i], res: &results[i], ok: &have[i]}, true
	}
	stop := e.report()
	// Each slot checks addresses one after the other: a check that ends
	// starts the next, in whichever goroutine it ended.
	for range e.workers {
		j, ok := e.pull()
		if !ok {
			break
		}
		e.wg.Add(1)
		e.start(j)
	}
	e.wg.Wait()
	if got := stop(); got < len(addrs) {
		out := results[:0]
		for i := range results {
			if have[i] {
				out = append(out, results[i])
			}
		}
		clear(results[len(out):])
		results = out
	}
	return results, ctx.Err()
}

// async is a resolver whose lookups call back instead of blocking
// (resolver.Client): checks then need no goroutine each.
type async interface {
	PTRFunc(ctx context.Context, addr netip.Addr, done func([]string, error))
	AddrsFunc(ctx context.Context, name string, v6 bool, done func([]netip.Addr, error))
}

// blocking makes any Resolver async with a goroutine per lookup (at most
// Workers at a time, since a check waits for each lookup).
type blocking struct{ r resolver.Resolver }

func (b blocking) PTRFunc(ctx context.Context, addr netip.Addr, done func([]string, error)) {
	go func() { done(b.r.PTR(ctx, addr)) }()
}

func (b blocking) AddrsFunc(ctx context.Context, name string, v6 bool, done func([]netip.Addr, error)) {
	go func() { done(b.r.Addrs(ctx, name, v6)) }()
}

// engine runs checks, each as a chain of callbacks: the PTR answer starts the
// forward lookups, the last forward answer completes the result and starts
// the next address. The callbacks run in the resolver's goroutines and never
// block.
type engine struct {
	ctx     context.Context
	r       async
	fc      *forwardCache
	workers int
	opt     Options
	pull    func() (job, bool) // the next address, for CheckAll
	release func()             // for Check: an address is done
	wg      sync.WaitGroup     // checks (Check) or slots (CheckAll) under way
	done    atomic.Int64       // results completed
}

// job is an address and where its result goes.
type job struct {
	addr netip.Addr
	res  *Result
	ok   *bool // res is complete
}

func newEngine(ctx context.Context, r resolver.Resolver, opt Options) *engine {
	e := &engine{ctx: ctx, fc: newForwardCache(), workers: opt.Workers, opt: opt}
	if e.workers <= 0 {
		e.workers = DefaultWorkers
	}
	if a, ok := r.(async); ok {
		e.r = a
	} else {
		e.r = blocking{r}
	}
	return e
}

// report tells opt.Progress of the results completed, from one goroutine,
// until the returned function is called; that returns the count.
func (e *engine) report() func() int {
	if e.opt.Progress == nil {
		return func() int { return int(e.done.Load()) }
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		told := int64(0)
		tell := func() {
			if n := e.done.Load(); n > told {
				e.opt.Progress.Add(int(n - told))
				told = n
			}
		}
		for {
			select {
			case <-t.C:
				tell()
			case <-quit:
				tell()
				return
			}
		}
	}()
	return func() int {
		close(quit)
		<-finished
		return int(e.done.Load())
	}
}

// addrCheck is one address being checked. It is reused through a pool.
type addrCheck struct {
	e       *engine
	job     job
	pending atomic.Int32 // forward lookups outstanding, plus one while starting them
	lost    atomic.Bool  // ctx ended during a lookup: the result is incomplete
	onPTR   func([]string, error)
}

var checkPool sync.Pool // of *addrCheck

func init() {
	checkPool.New = func() any {
		c := &addrCheck{}
		c.onPTR = c.gotPTR
		return c
	}
}

func (e *engine) start(j job) {
	c := checkPool.Get().(*addrCheck)
	c.e = e
	c.begin(j)
}

func (c *addrCheck) begin(j job) {
	j.addr = j.addr.Unmap().WithZone("")
	c.job = j
	c.lost.Store(false)
	*j.res = Result{IP: j.addr, PTR: []string{}, Forward: []netip.Addr{}, Names: []Name{}}
	c.e.r.PTRFunc(c.e.ctx, j.addr, c.onPTR)
}

func (c *addrCheck) gotPTR(ptrs []string, err error) {
	e, res := c.e, c.job.res
	if err != nil {
		if e.ctx.Err() != nil {
			c.end(false)
			return
		}
		res.Verdict, res.IPRev, res.Error = Error, errorIPRev(err), err.Error()
		c.end(true)
		return
	}
	if len(ptrs) == 0 {
		res.Verdict, res.IPRev = NoPTR, IPRevPermError
		c.end(true)
		return
	}
	names := canonicalNames(ptrs)
	res.PTR = names
	res.Names = make([]Name, len(names))
	for i, name := range names {
		res.Names[i].Name = name
	}
	// A cached name answers at once, in this goroutine: hold one count
	// until all are started, so that c does not end (and get reused) while
	// this loop still uses it.
	c.pending.Store(int32(len(names)) + 1)
	v6 := c.job.addr.Is6()
	for i, name := range names {
		e.fc.lookup(e, c, i, name, v6)
	}
	c.forwardDone()
}

// gotForward records the forward lookup of the i-th PTR name.
func (c *addrCheck) gotForward(i int, fwd []netip.Addr, err error) {
	if err != nil && c.e.ctx.Err() != nil {
		c.lost.Store(true)
	} else {
		setName(&c.job.res.Names[i], c.job.addr, fwd, err)
	}
	c.forwardDone()
}

func (c *addrCheck) forwardDone() {
	if c.pending.Add(-1) != 0 {
		return
	}
	if c.lost.Load() {
		c.end(false)
		return
	}
	conclude(c.job.res)
	c.end(true)
}

// end records the check's outcome and goes on with the next address, if any.
func (c *addrCheck) end(ok bool) {
	e := c.e
	if ok {
		*c.job.ok = true
		e.done.Add(1)
	}
	if e.pull != nil {
		if j, more := e.pull(); more {
			c.begin(j)
			return
		}
	}
	c.e, c.job = nil, job{}
	checkPool.Put(c)
	if e.release != nil {
		e.release()
	}
	e.wg.Done()
}

// forwardCache holds one forward lookup per (name, family), shared by all
// checks; the checks that ask for a name while it is being looked up wait in
// its entry. It is sharded by a hash of the name, which is also the map key
// (a uint64 map is much faster than a string one; names with the same hash
// are chained).
type forwardCache struct {
	seed   maphash.Seed
	shards [64]forwardShard
}

type forwardShard struct {
	mu sync.Mutex
	m  map[uint64]*forwardEntry
	_  [48]byte // keep shards on separate cache lines
}

type forwardEntry struct {
	name    string
	v6      bool
	next    *forwardEntry // same hash
	shard   *forwardShard
	ready   bool // addrs and err are set (all fields guarded by shard.mu)
	addrs   []netip.Addr
	err     error
	waiters []waiter
}

// waiter is a check waiting for the forward lookup of its i-th PTR name.
type waiter struct {
	c *addrCheck
	i int
}

func newForwardCache() *forwardCache {
	fc := &forwardCache{seed: maphash.MakeSeed()}
	for i := range fc.shards {
		fc.shards[i].m = make(map[uint64]*forwardEntry)
	}
	return fc
}

// lookup gets the forward addresses of name to c.gotForward(i, ...): at once
// if known, else when the one lookup of name answers.
func (fc *forwardCache) lookup(e *engine, c *addrCheck, i int, name string, v6 bool) {
	h := maphash.String(fc.seed, name)
	if v6 {
		h ^= 1
	}
	sh := &fc.shards[h>>58]
	sh.mu.Lock()
	ent := sh.m[h]
	for ent != nil && (ent.name != name || ent.v6 != v6) {
		ent = ent.next
	}
	switch {
	case ent == nil:
		ent = &forwardEntry{name: name, v6: v6, next: sh.m[h], shard: sh, waiters: []waiter{{c, i}}}
		sh.m[h] = ent
		sh.mu.Unlock()
		e.r.AddrsFunc(e.ctx, name, v6, ent.resolved)
	case ent.ready:
		sh.mu.Unlock()
		c.gotForward(i, ent.addrs, ent.err)
	default:
		ent.waiters = append(ent.waiters, waiter{c, i})
		sh.mu.Unlock()
	}
}

func (ent *forwardEntry) resolved(addrs []netip.Addr, err error) {
	if err == nil {
		addrs = normalize(addrs)
	}
	sh := ent.shard
	sh.mu.Lock()
	ent.addrs, ent.err, ent.ready = addrs, err, true
	ws := ent.waiters
	ent.waiters = nil
	sh.mu.Unlock()
	for _, w := range ws {
		w.c.gotForward(w.i, addrs, err)
	}
}
