package fcrdns

import (
	"context"
	"net/netip"
	"sync"

	"github.com/rdnsctl/rdnsctl/resolver"
)

// Progress counts checked addresses (restic's progress.Counter shape). Check
// calls Add from a single goroutine.
type Progress interface{ Add(n int) }

// Options tune Check.
type Options struct {
	// Workers is the number of addresses checked at once (default 256).
	// The resolver's own limits (QPS, in-flight cap) apply on top.
	Workers int
	// Progress, if not nil, is told of every address checked.
	Progress Progress
}

// DefaultWorkers is the number of addresses Check works on at once by default.
const DefaultWorkers = 256

// Check checks every address received from addrs until it is closed, and
// returns the results in input order (duplicates included).
//
// Each distinct PTR name is looked up once per address family, however many
// addresses point at it. When ctx ends, Check stops, waits for the lookups
// in flight, and returns the addresses fully checked by then (still in input
// order, the others left out) with ctx's error.
func Check(ctx context.Context, r resolver.Resolver, addrs <-chan netip.Addr, opt Options) ([]Result, error) {
	workers := opt.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	type job struct {
		i    int
		addr netip.Addr
		res  Result
		ok   bool
	}
	// Addresses go to the workers, and results come back, in batches: a
	// channel operation per address would cost more than the check.
	const batch = 16
	jobs := make(chan []job, workers)
	done := make(chan []job, workers)
	fc := &forwardCache{m: make(map[forwardKey]*forwardEntry)}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for js := range jobs {
				for k := range js {
					js[k].res, js[k].ok = check(ctx, r, fc, js[k].addr)
				}
				done <- js
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := 0; ; {
			var js []job
			select {
			case a, ok := <-addrs:
				if !ok {
					return
				}
				js = make([]job, 1, batch)
				js[0] = job{i: i, addr: a}
				i++
			case <-ctx.Done():
				return
			}
			// Take what is ready without waiting, so that a slow producer
			// does not hold back addresses already read.
		fill:
			for len(js) < batch {
				select {
				case a, ok := <-addrs:
					if !ok {
						break fill
					}
					js = append(js, job{i: i, addr: a})
					i++
				default:
					break fill
				}
			}
			select {
			case jobs <- js:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(done)
	}()

	var results []Result
	var have []bool
	for js := range done {
		for _, j := range js {
			for len(results) <= j.i {
				results = append(results, Result{})
				have = append(have, false)
			}
			if !j.ok {
				continue
			}
			results[j.i], have[j.i] = j.res, true
		}
		if opt.Progress != nil {
			n := 0
			for _, j := range js {
				if j.ok {
					n++
				}
			}
			opt.Progress.Add(n)
		}
	}
	if err := ctx.Err(); err != nil {
		out := results[:0]
		for i := range results {
			if have[i] {
				out = append(out, results[i])
			}
		}
		return out, err
	}
	return results, nil
}

// FromSlice sends addrs on the returned channel, which is closed after the
// last one or when ctx ends: Check over a slice.
func FromSlice(ctx context.Context, addrs []netip.Addr) <-chan netip.Addr {
	ch := make(chan netip.Addr, 64)
	go func() {
		defer close(ch)
		for _, a := range addrs {
			select {
			case ch <- a:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// forwardCache holds one forward lookup per (name, family), shared by all
// workers; concurrent askers of a name wait for the first one's answer.
type forwardCache struct {
	mu sync.Mutex
	m  map[forwardKey]*forwardEntry
}

type forwardKey struct {
	name string
	v6   bool
}

type forwardEntry struct {
	ready bool          // addrs and err are set (guarded by forwardCache.mu)
	done  chan struct{} // made when a second asker has to wait; closed when ready
	addrs []netip.Addr
	err   error
}

func (c *forwardCache) lookup(ctx context.Context, r resolver.Resolver, name string, v6 bool) ([]netip.Addr, error) {
	k := forwardKey{name, v6}
	c.mu.Lock()
	e := c.m[k]
	if e == nil {
		e = &forwardEntry{}
		c.m[k] = e
		c.mu.Unlock()
		addrs, err := r.Addrs(ctx, name, v6)
		c.mu.Lock()
		e.addrs, e.err, e.ready = addrs, err, true
		if e.done != nil {
			close(e.done)
		}
		c.mu.Unlock()
		return addrs, err
	}
	if e.ready {
		c.mu.Unlock()
		return e.addrs, e.err
	}
	if e.done == nil {
		e.done = make(chan struct{})
	}
	done := e.done
	c.mu.Unlock()
	select {
	case <-done:
		return e.addrs, e.err
	case <-ctx.Done():
		return nil, &resolver.TempError{Cause: ctx.Err().Error(), Err: ctx.Err()}
	}
}
