package resolver

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// Client is the network Resolver: a stub client that keeps a fixed set of
// connected UDP sockets per server, each carrying many outstanding queries
// matched by message ID, and falls back to TCP for truncated answers.
//
// Besides the blocking PTR and Addrs, it offers PTRFunc and AddrsFunc, which
// start a lookup and call a function with its result: thousands of lookups
// then need no goroutine each (fcrdns uses them). A Client is safe for
// concurrent use.
type Client struct {
	cfg     Config
	servers []*server
	next    atomic.Uint32 // server rotation
	epoch   atomic.Uint32 // sweeper ticks
	lim     *limiter

	flight  atomic.Int64 // queries outstanding
	wmu     sync.Mutex
	waiting []*op // waiting for flight to drop below Config.MaxInFlight
	nwait   atomic.Int64

	// Servers asked directly (SOAAtFunc) that are not among the configured
	// ones, each with one socket, opened on first use; directs is the list
	// the sweeper reads.
	dmu     sync.Mutex
	direct  map[netip.AddrPort]*server
	directs atomic.Pointer[[]*server]

	closed  chan struct{}
	shut    atomic.Bool // Close was called
	once    sync.Once
	readers sync.WaitGroup

	sent, timeouts, tcp atomic.Uint64
}

var (
	_ Resolver      = (*Client)(nil)
	_ Canonicalizer = (*Client)(nil)
)

// Stats counts a Client's traffic since New.
type Stats struct {
	Sent     uint64 // queries sent (UDP and TCP, retries included)
	Timeouts uint64 // attempts that got no answer in time
	TCP      uint64 // queries repeated over TCP after a truncated answer
}

// New opens the sockets described by cfg. Close releases them.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if len(cfg.Servers) == 0 {
		s, err := ServersFromResolvConf("/etc/resolv.conf")
		if err != nil {
			return nil, err
		}
		cfg.Servers = s
	}
	c := &Client{cfg: cfg, closed: make(chan struct{})}
	if cfg.QPS > 0 {
		c.lim = newLimiter(cfg.QPS)
	}
	var socks []*udpSock
	for _, s := range cfg.Servers {
		ap, err := ParseServer(s)
		if err != nil {
			closeAll(socks)
			return nil, err
		}
		srv := &server{addr: ap}
		for range cfg.Sockets {
			sock, err := dialUDP(srv)
			if err != nil {
				closeAll(socks)
				return nil, fmt.Errorf("name server %s: %w", ap, err)
			}
			srv.socks = append(srv.socks, sock)
			socks = append(socks, sock)
		}
		c.servers = append(c.servers, srv)
	}
	for _, srv := range c.servers {
		for _, sock := range srv.socks {
			c.readers.Add(1)
			go sock.read(&c.readers, &c.sent)
		}
	}
	// Timeouts fire between Timeout and Timeout plus one tick; a lookup whose
	// context ends returns within a tick.
	tick := min(max(cfg.Timeout/8, time.Millisecond), 50*time.Millisecond)
	c.readers.Add(1)
	go c.sweep(tick, uint32((cfg.Timeout+tick-1)/tick))
	return c, nil
}

func closeAll(socks []*udpSock) {
	for _, s := range socks {
		s.conn.Close()
	}
}

// Close closes the sockets; lookups in progress fail with a TempError.
func (c *Client) Close() error {
	c.once.Do(func() {
		c.shut.Store(true)
		close(c.closed)
		for _, srv := range c.servers {
			closeAll(srv.socks)
		}
		c.dmu.Lock()
		for _, srv := range c.direct {
			closeAll(srv.socks)
		}
		c.dmu.Unlock()
		c.readers.Wait()
		c.wmu.Lock()
		waiting := c.waiting
		c.waiting = nil
		c.nwait.Store(0)
		c.wmu.Unlock()
		for _, o := range waiting {
			o.finish(&TempError{Cause: "resolver closed", Err: errClosed})
		}
	})
	return nil
}

// Stats returns the traffic counters.
func (c *Client) Stats() Stats {
	return Stats{Sent: c.sent.Load(), Timeouts: c.timeouts.Load(), TCP: c.tcp.Load()}
}

// PTRFunc starts looking up the PTR names of addr and calls done with what
// PTR would return, once, from one of the client's goroutines and never
// before PTRFunc has returned. done must not block: it may start other
// lookups, record the result, signal a channel with room.
func (c *Client) PTRFunc(ctx context.Context, addr netip.Addr, done func([]string, error)) {
	if !addr.IsValid() {
		go done(nil, errors.New("PTR lookup of an invalid address"))
		return
	}
	o := c.newOp(ctx, dns.TypePTR)
	o.onPTR = done
	o.name = rdns.AppendReverseWire(o.name[:0], addr.Unmap())
	o.begin()
}

// AddrsFunc is to Addrs what PTRFunc is to PTR.
func (c *Client) AddrsFunc(ctx context.Context, name string, v6 bool, done func([]netip.Addr, error)) {
	qtype := dns.TypeA
	if v6 {
		qtype = dns.TypeAAAA
	}
	o := c.newOp(ctx, qtype)
	var err error
	if o.name, err = appendName(o.name[:0], name); err != nil {
		opPool.Put(o)
		go done(nil, fmt.Errorf("address lookup of %q: %w", name, err))
		return
	}
	o.onAddrs = done
	o.begin()
}

// AddrsCanonical implements Canonicalizer.
func (c *Client) AddrsCanonical(ctx context.Context, name string, v6 bool) ([]netip.Addr, string, error) {
	qtype := dns.TypeA
	if v6 {
		qtype = dns.TypeAAAA
	}
	o := c.newOp(ctx, qtype)
	var err error
	if o.name, err = appendName(o.name[:0], name); err != nil {
		opPool.Put(o)
		return nil, "", fmt.Errorf("address lookup of %q: %w", name, err)
	}
	type result struct {
		addrs []netip.Addr
		canon string
		err   error
	}
	done := make(chan result, 1)
	o.onCanon = func(a []netip.Addr, canon string, err error) { done <- result{a, canon, err} }
	o.begin()
	r := <-done
	return r.addrs, r.canon, r.err
}

func (c *Client) newOp(ctx context.Context, qtype uint16) *op {
	o := opPool.Get().(*op)
	o.c, o.ctx, o.qtype = c, ctx, qtype
	return o
}

// PTR implements Resolver.
func (c *Client) PTR(ctx context.Context, addr netip.Addr) ([]string, error) {
	w := waiterPool.Get().(*waiter)
	c.PTRFunc(ctx, addr, w.onPTR)
	<-w.done
	ptrs, err := w.ptrs, w.err
	w.ptrs, w.err = nil, nil
	waiterPool.Put(w)
	return ptrs, err
}

// Addrs implements Resolver.
func (c *Client) Addrs(ctx context.Context, name string, v6 bool) ([]netip.Addr, error) {
	w := waiterPool.Get().(*waiter)
	c.AddrsFunc(ctx, name, v6, w.onAddrs)
	<-w.done
	addrs, err := w.addrs, w.err
	w.addrs, w.err = nil, nil
	waiterPool.Put(w)
	return addrs, err
}

// waiter turns a callback into a blocking call. Its callbacks are made once,
// so that a blocking lookup allocates nothing for them.
type waiter struct {
	done    chan struct{}
	ptrs    []string
	addrs   []netip.Addr
	err     error
	onPTR   func([]string, error)
	onAddrs func([]netip.Addr, error)
}

var waiterPool = sync.Pool{New: func() any {
	w := &waiter{done: make(chan struct{}, 1)}
	w.onPTR = func(p []string, err error) {
		w.ptrs, w.err = p, err
		w.done <- struct{}{}
	}
	w.onAddrs = func(a []netip.Addr, err error) {
		w.addrs, w.err = a, err
		w.done <- struct{}{}
	}
	return w
}}

// acquire counts o's query in flight; at Config.MaxInFlight it queues o
// instead (and returns false): a query finishing sends it. Callers are
// expected to bound their concurrency themselves; this is a safety net
// (message IDs are 16 bits).
func (c *Client) acquire(o *op) bool {
	if c.flight.Add(1) <= int64(c.cfg.MaxInFlight) {
		return true
	}
	c.flight.Add(-1)
	c.wmu.Lock()
	c.waiting = append(c.waiting, o)
	c.nwait.Add(1)
	c.wmu.Unlock()
	go c.kick() // in case queries finished meanwhile; never inline in a caller
	return false
}

// release counts a query out of flight and sends a waiting one.
func (c *Client) release() {
	c.flight.Add(-1)
	if c.nwait.Load() > 0 {
		c.kick()
	}
}

func (c *Client) kick() {
	for c.nwait.Load() > 0 {
		if c.flight.Add(1) > int64(c.cfg.MaxInFlight) {
			c.flight.Add(-1)
			return
		}
		c.wmu.Lock()
		if len(c.waiting) == 0 {
			c.wmu.Unlock()
			c.flight.Add(-1)
			return
		}
		o := c.waiting[0]
		c.waiting = c.waiting[1:]
		c.nwait.Add(-1)
		c.wmu.Unlock()
		o.transmitAcquired()
	}
}

// limiter spaces queries evenly at a fixed rate, allowing a burst of about
// 10ms worth.
type limiter struct {
	mu    sync.Mutex
	every time.Duration
	burst time.Duration
	start time.Time
	next  time.Duration // since start
}

func newLimiter(qps float64) *limiter {
	every := time.Duration(float64(time.Second) / qps)
	return &limiter{every: every, burst: max(every, 10*time.Millisecond), start: time.Now()}
}

// reserve takes the next slot and returns how long to wait for it.
func (l *limiter) reserve() time.Duration {
	now := time.Since(l.start)
	l.mu.Lock()
	if l.next < now-l.burst {
		l.next = now - l.burst
	}
	t := l.next
	l.next += l.every
	l.mu.Unlock()
	return t - now
}

func (c *Client) isClosed() bool { return c.shut.Load() }
