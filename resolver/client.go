package resolver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Client is the network Resolver: a stub client that keeps a fixed set of
// connected UDP sockets per server, each carrying many outstanding queries
// matched by message ID, and falls back to TCP for truncated answers. It is
// safe for concurrent use; the callers' goroutines do the work, so the
// caller decides the concurrency (bounded by Config.MaxInFlight).
type Client struct {
	cfg     Config
	servers []*server
	next    atomic.Uint32
	epoch   atomic.Uint32 // sweeper ticks
	flight  atomic.Int64  // queries outstanding
	lim     *limiter
	calls   sync.Pool
	closed  chan struct{}
	once    sync.Once
	readers sync.WaitGroup

	sent, timeouts, tcp atomic.Uint64
}

var _ Resolver = (*Client)(nil)

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
	c.calls.New = func() any { return newCall() }
	if cfg.QPS > 0 {
		c.lim = newLimiter(cfg.QPS)
	}
	for _, s := range cfg.Servers {
		ap, err := ParseServer(s)
		if err != nil {
			c.Close()
			return nil, err
		}
		srv := &server{addr: ap}
		for range cfg.Sockets {
			sock, err := dialUDP(ap)
			if err != nil {
				c.Close()
				return nil, fmt.Errorf("name server %s: %w", ap, err)
			}
			srv.socks = append(srv.socks, sock)
			c.readers.Add(1)
			go sock.read(&c.readers)
		}
		c.servers = append(c.servers, srv)
	}
	// Timeouts fire between Timeout and Timeout plus one tick; a lookup whose
	// context ends returns within a tick.
	tick := min(max(cfg.Timeout/8, time.Millisecond), 50*time.Millisecond)
	c.readers.Add(1)
	go c.sweep(tick, uint32((cfg.Timeout+tick-1)/tick))
	return c, nil
}

// Close closes the sockets; lookups in progress fail.
func (c *Client) Close() error {
	c.once.Do(func() {
		close(c.closed)
		for _, srv := range c.servers {
			for _, s := range srv.socks {
				s.conn.Close()
			}
		}
		c.readers.Wait()
	})
	return nil
}

// Stats returns the traffic counters.
func (c *Client) Stats() Stats {
	return Stats{Sent: c.sent.Load(), Timeouts: c.timeouts.Load(), TCP: c.tcp.Load()}
}

// PTR implements Resolver.
func (c *Client) PTR(ctx context.Context, addr netip.Addr) ([]string, error) {
	if !addr.IsValid() {
		return nil, errors.New("PTR lookup of an invalid address")
	}
	cl := c.calls.Get().(*call)
	defer c.calls.Put(cl)
	cl.name = appendReverse(cl.name[:0], addr.Unmap())
	var out []string
	err := c.resolve(ctx, cl, dns.TypePTR, func(msg []byte, a rr) error {
		var err error
		if cl.tmp, err = readName(cl.tmp[:0], msg, a.rdoff); err != nil {
			return err
		}
		s, err := nameText(cl.tmp)
		if err == nil {
			out = append(out, s)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Addrs implements Resolver.
func (c *Client) Addrs(ctx context.Context, name string, v6 bool) ([]netip.Addr, error) {
	cl := c.calls.Get().(*call)
	defer c.calls.Put(cl)
	var err error
	if cl.name, err = appendName(cl.name[:0], name); err != nil {
		return nil, fmt.Errorf("address lookup of %q: %w", name, err)
	}
	qtype := dns.TypeA
	if v6 {
		qtype = dns.TypeAAAA
	}
	var out []netip.Addr
	err = c.resolve(ctx, cl, qtype, func(msg []byte, a rr) error {
		switch {
		case !v6 && a.rdlen == 4:
			out = append(out, netip.AddrFrom4([4]byte(msg[a.rdoff:])))
		case v6 && a.rdlen == 16:
			out = append(out, netip.AddrFrom16([16]byte(msg[a.rdoff:])))
		default:
			return fmt.Errorf("%s record with %d octets of data", dns.TypeToString[qtype], a.rdlen)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// resolve looks up cl.name/qtype, following CNAMEs within each answer and, when
// an answer stops at a CNAME, by asking for its target, and hands each record
// of the data found to emit.
func (c *Client) resolve(ctx context.Context, cl *call, qtype uint16, emit func([]byte, rr) error) error {
	cl.path = append(cl.path[:0], cl.name...)
	hops := 0
	for {
		if err := c.exchange(ctx, cl, qtype); err != nil {
			return err
		}
		r := &cl.r
		// Walk the chain from the name asked for. cur is in cl.name until
		// the first CNAME, then the last name appended to cl.path.
		cur := cl.name
		for {
			found := false
			for _, a := range r.answers {
				if a.typ == qtype && nameIs(r.msg, a.owner, cur) {
					found = true
					if err := emit(r.msg, a); err != nil {
						return c.formErr(cl, err)
					}
				}
			}
			if found {
				return nil
			}
			next := -1
			for _, a := range r.answers {
				if a.typ == dns.TypeCNAME && nameIs(r.msg, a.owner, cur) {
					next = a.rdoff
					break
				}
			}
			if next < 0 {
				break
			}
			var err error
			if cl.tmp, err = readName(cl.tmp[:0], r.msg, next); err != nil {
				return c.formErr(cl, err)
			}
			if hasName(cl.path, cl.tmp) {
				return &TempError{Cause: "CNAME loop at " + c.text(cl.tmp)}
			}
			if hops++; hops > maxCNAME {
				return &TempError{Cause: fmt.Sprintf("CNAME chain longer than %d at %s", maxCNAME, c.text(cl.name))}
			}
			start := len(cl.path)
			cl.path = append(cl.path, cl.tmp...)
			cur = cl.path[start:]
		}
		switch {
		case r.rcode == dns.RcodeNameError:
			return nil // NXDOMAIN, for the last name of the chain
		case len(cur) == len(cl.name) && string(cur) == string(cl.name):
			if r.referral() {
				return &TempError{Cause: "referral for " + c.text(cl.name) + " (server neither authoritative nor recursive)"}
			}
			return nil // NODATA
		}
		// The answer stopped at a CNAME whose target it does not hold: ask
		// for the target.
		cl.name = append(cl.name[:0], cur...)
	}
}

func (c *Client) text(wire []byte) string {
	s, err := nameText(wire)
	if err != nil {
		return fmt.Sprintf("%q", wire)
	}
	return s
}

func (c *Client) formErr(cl *call, err error) error {
	return &TempError{Cause: fmt.Sprintf("malformed answer for %s: %v", c.text(cl.name), err), Err: err}
}

// exchange sends the query for cl.name/qtype, with retries, failover and TCP
// fallback, and leaves an answer with RCODE NOERROR or NXDOMAIN parsed in
// cl.r.
func (c *Client) exchange(ctx context.Context, cl *call, qtype uint16) error {
	cl.qlen = buildQuery(cl.q, cl.name, qtype, c.cfg.UDPSize)
	cl.qsec = questionLen(cl.q)
	n := len(c.servers)
	start := int(c.next.Add(1))
	var last error
	edns := true
	for attempt := 0; attempt <= c.cfg.Retries; attempt++ {
		if attempt > 0 && c.cfg.Backoff > 0 {
			d := min(c.cfg.Backoff<<(attempt-1), maxBackoff)
			if err := cl.sleep(ctx, d); err != nil {
				return &TempError{Cause: err.Error(), Err: err}
			}
		}
		srv := c.servers[(start+attempt)%n]
		err := c.attempt(ctx, cl, srv)
		if err == nil {
			return nil
		}
		if errors.Is(err, errFormErr) && edns {
			// A server that does not know EDNS0 (RFC 6891 §7): ask it
			// again without, at once.
			edns = false
			cl.qlen = buildQuery(cl.q, cl.name, qtype, 0)
			attempt--
			continue
		}
		if ctx.Err() != nil {
			return &TempError{Cause: ctx.Err().Error(), Err: ctx.Err()}
		}
		if errors.Is(err, errClosed) {
			return &TempError{Cause: "resolver closed", Err: err}
		}
		last = err
	}
	var te *TempError
	if errors.As(last, &te) {
		if c.cfg.Retries > 0 {
			te.Cause += fmt.Sprintf(" (after %d attempts)", c.cfg.Retries+1)
		}
		return te
	}
	return &TempError{Cause: fmt.Sprintf("%v (after %d attempts)", last, c.cfg.Retries+1), Err: last}
}

var (
	errClosed  = errors.New("resolver closed")
	errFormErr = errors.New("FORMERR")
)

// attempt asks srv once; it returns nil when cl.r holds a NOERROR or NXDOMAIN
// answer.
func (c *Client) attempt(ctx context.Context, cl *call, srv *server) error {
	if c.lim != nil {
		if err := cl.sleep(ctx, c.lim.reserve()); err != nil {
			return err
		}
	}
	if err := c.acquire(ctx, cl); err != nil {
		return err
	}
	err := c.udpAttempt(ctx, cl, srv)
	if err == nil {
		err = cl.r.parse(cl.resp)
		if err == nil && (cl.r.tc || cl.trunc) {
			err = c.tcpAttempt(ctx, cl, srv)
			if err == nil {
				err = cl.r.parse(cl.resp)
			}
		}
	}
	c.flight.Add(-1)
	if err != nil {
		if errors.Is(err, errClosed) || errors.Is(err, net.ErrClosed) {
			return errClosed
		}
		if errors.Is(err, errShort) || errors.Is(err, errBadName) {
			return &TempError{Cause: fmt.Sprintf("malformed answer from %s: %v", srv.addr, err), Err: err}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &TempError{Cause: netCause(err, srv.addr), Err: err}
	}
	switch cl.r.rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
		return nil
	}
	te := &TempError{Cause: fmt.Sprintf("%s from %s", rcodeText(cl.r.rcode), srv.addr)}
	if cl.r.rcode == dns.RcodeFormatError {
		te.Err = errFormErr
	}
	return te
}

func rcodeText(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE %d", rc)
}

// acquire counts a query in flight, waiting while Config.MaxInFlight are.
// Callers are expected to bound their concurrency themselves; this is a
// safety net (message IDs are 16 bits), so its slow path simply polls.
func (c *Client) acquire(ctx context.Context, cl *call) error {
	for c.flight.Add(1) > int64(c.cfg.MaxInFlight) {
		c.flight.Add(-1)
		if err := cl.sleep(ctx, 100*time.Microsecond); err != nil {
			return err
		}
		select {
		case <-c.closed:
			return errClosed
		default:
		}
	}
	return nil
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
