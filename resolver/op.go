package resolver

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// op is one lookup in progress: the question, the CNAME chain followed so
// far, the attempt, and the function to call with the result. Events move it
// on: an answer (in a socket's reader), a timeout or context end (in the
// sweeper), a network failure, a backoff timer. Whoever takes an op out of a
// socket's table handles the event, so no two goroutines handle one op at
// once. Ops are reused through a pool.
type op struct {
	c     *Client
	ctx   context.Context
	qtype uint16

	q     []byte // the query; q[0:2] is the ID of the current attempt
	qlen  int
	qsec  int    // length of the question section
	name  []byte // name asked, wire form, lower case
	path  []byte // names visited along CNAMEs, concatenated wire forms
	tmp   []byte
	hops  int
	start int // first server of the current query
	tries int // attempts made for the current query
	edns  bool
	first bool // being begun: callbacks must not run in this goroutine
	srv   *server
	// direct is the one server a direct question goes to (SOAAtFunc),
	// without recursion; nil: the configured servers in turn.
	direct *server
	r      response
	resp   []byte // an answer read over TCP

	// While outstanding on a socket (guarded by the socket's mu).
	ctxOut context.Context
	epoch  uint32 // sweeper tick at which the attempt started
	slot   int    // index in udpSock.active

	// The result, and who wants it.
	ptrs    []string
	addrs   []netip.Addr
	onPTR   func([]string, error)
	onAddrs func([]netip.Addr, error)
	onCanon func([]netip.Addr, string, error) // AddrsCanonical's: also the chain's last name
	auth    Authority
	onAuth  func(Authority, error) // SOAAtFunc's
}

var opPool = sync.Pool{New: func() any {
	return &op{
		q:    make([]byte, headerLen+maxName+4+optLen),
		name: make([]byte, 0, maxName),
		path: make([]byte, 0, 2*maxName),
		tmp:  make([]byte, 0, maxName),
	}
}}

// begin starts the lookup of o.name. The callback is never called before
// begin returns: failures found at once are reported from a new goroutine.
func (o *op) begin() {
	o.path = append(o.path[:0], o.name...)
	o.hops = 0
	o.query()
	o.first = true
	o.send()
}

// query prepares the query for o.name and resets the attempts.
func (o *op) query() {
	o.edns = true
	o.qlen = buildQuery(o.q, o.name, o.qtype, o.c.cfg.UDPSize, o.direct == nil)
	o.qsec = questionLen(o.q)
	o.start = int(o.c.next.Add(1))
	o.tries = 0
}

// send makes the next attempt: after the rate limiter, on the next server.
func (o *op) send() {
	c := o.c
	if err := o.ctx.Err(); err != nil {
		o.finishSoon(&TempError{Cause: err.Error(), Err: err})
		return
	}
	if c.isClosed() {
		o.finishSoon(&TempError{Cause: "resolver closed", Err: errClosed})
		return
	}
	if c.lim != nil {
		if d := c.lim.reserve(); d > 0 {
			o.first = false
			time.AfterFunc(d, o.transmit)
			return
		}
	}
	o.transmit()
}

// transmit sends the attempt unless Config.MaxInFlight queries are out (then
// it waits its turn in the client's queue).
func (o *op) transmit() {
	first := o.first
	o.first = false // a parked o belongs to the queue at once
	if !o.c.acquire(o) {
		return
	}
	o.first = first
	o.transmitAcquired()
}

// transmitAcquired registers the attempt on a socket of the chosen server and
// queues the query.
func (o *op) transmitAcquired() {
	c := o.c
	if o.direct != nil {
		o.srv = o.direct
	} else {
		o.srv = c.servers[(o.start+o.tries)%len(c.servers)]
	}
	sock := o.srv.pick()
	first := o.first
	o.first = false // once registered, o belongs to whoever takes it
	if !sock.send(o, c.epoch.Load(), &c.sent) {
		c.release()
		o.first = first
		o.finishSoon(&TempError{Cause: "resolver closed", Err: errClosed})
	}
}

// finishSoon is finish, from a new goroutine when the lookup is still being
// begun (so that the callback never runs inside PTRFunc or AddrsFunc).
func (o *op) finishSoon(err error) {
	if o.first {
		o.first = false
		go o.finish(err)
		return
	}
	o.finish(err)
}

// answer handles msg, the answer to the outstanding attempt (taken from the
// socket by the caller); trunc says the read buffer cut it short.
func (o *op) answer(msg []byte, trunc bool) {
	o.c.release()
	if err := o.r.parse(msg); err != nil {
		o.retry(&TempError{Cause: fmt.Sprintf("malformed answer from %s: %v", o.srv.addr, err), Err: err})
		return
	}
	if o.r.tc || trunc {
		go o.tcp()
		return
	}
	o.handle()
}

// fail handles an attempt that ended without an answer (taken from the
// socket by the caller).
func (o *op) fail(err error) {
	o.c.release()
	if cerr := o.ctx.Err(); cerr != nil {
		o.finish(&TempError{Cause: cerr.Error(), Err: cerr})
		return
	}
	o.retry(&TempError{Cause: netCause(err, o.srv.addr), Err: err})
}

// tcp repeats the attempt over TCP after a truncated answer. It runs in its
// own goroutine (rare, and it blocks).
func (o *op) tcp() {
	o.c.sent.Add(1)
	o.c.tcp.Add(1)
	err := o.c.tcpExchange(o.ctx, o, o.srv)
	if err == nil {
		err = o.r.parse(o.resp)
	}
	if err != nil {
		if cerr := o.ctx.Err(); cerr != nil {
			o.finish(&TempError{Cause: cerr.Error(), Err: cerr})
			return
		}
		o.retry(&TempError{Cause: netCause(err, o.srv.addr), Err: err})
		return
	}
	o.handle()
}

// retry makes the next attempt after a failure, or gives up.
func (o *op) retry(err *TempError) {
	c := o.c
	if c.isClosed() {
		o.finish(&TempError{Cause: "resolver closed", Err: errClosed})
		return
	}
	if errors.Is(err, errFormErr) && o.edns {
		// A server that does not know EDNS0 (RFC 6891 §7): ask it again
		// without, at once.
		o.edns = false
		o.qlen = buildQuery(o.q, o.name, o.qtype, 0, o.direct == nil)
		o.send()
		return
	}
	o.tries++
	if o.tries > c.cfg.Retries {
		if c.cfg.Retries > 0 {
			err.Cause += fmt.Sprintf(" (after %d attempts)", o.tries)
		}
		o.finish(err)
		return
	}
	if c.cfg.Backoff > 0 {
		d := min(c.cfg.Backoff<<(o.tries-1), maxBackoff)
		time.AfterFunc(d, o.send)
		return
	}
	o.send()
}

// handle acts on the parsed answer in o.r: retry on an error RCODE, else
// follow the CNAME chain from the name asked and finish with the data at its
// end, or ask for the chain's last name.
func (o *op) handle() {
	if o.onAuth != nil {
		o.handleAuthority()
		return
	}
	r := &o.r
	switch r.rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		te := &TempError{Cause: fmt.Sprintf("%s from %s", rcodeText(r.rcode), o.srv.addr)}
		if r.rcode == dns.RcodeFormatError {
			te.Err = errFormErr
		}
		o.retry(te)
		return
	}
	if r.qd == 0 && r.rcode == dns.RcodeNameError {
		// matches lets an error response leave the question out; NXDOMAIN
		// is an error RCODE that is also an answer, and without the
		// question nothing says which name it denies.
		o.retry(&TempError{Cause: fmt.Sprintf("NXDOMAIN without a question section from %s", o.srv.addr)})
		return
	}
	// cur is o.name until the first CNAME, then the last name in o.path.
	// Only records of class IN are data: the question asks for class IN,
	// and an A or PTR of another class (CH, HS) in the answer is neither
	// an address nor a name of the Internet's DNS.
	cur := o.name
	otherClass := uint16(0)
	for {
		found := false
		for _, a := range r.answers {
			if a.typ == o.qtype && nameIs(r.msg, a.owner, cur) {
				if a.class != dns.ClassINET {
					otherClass = a.class
					continue
				}
				found = true
				if err := o.emit(a); err != nil {
					o.finish(o.malformed(err))
					return
				}
			}
		}
		if found {
			o.finish(nil)
			return
		}
		next := -1
		for i, a := range r.answers {
			if a.typ == dns.TypeCNAME && nameIs(r.msg, a.owner, cur) {
				if a.class != dns.ClassINET {
					otherClass = a.class
					continue
				}
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		var err error
		if o.tmp, err = rdataName(o.tmp[:0], r.msg, r.answers[next]); err != nil {
			o.finish(o.malformed(err))
			return
		}
		if hasName(o.path, o.tmp) {
			o.finish(&TempError{Cause: "CNAME loop at " + text(o.tmp)})
			return
		}
		if o.hops++; o.hops > maxCNAME {
			o.finish(&TempError{Cause: fmt.Sprintf("CNAME chain longer than %d at %s", maxCNAME, text(o.name))})
			return
		}
		start := len(o.path)
		o.path = append(o.path, o.tmp...)
		cur = o.path[start:]
	}
	if otherClass != 0 {
		// The answer holds the data asked for, in another class only: a
		// broken or hostile server. That is no answer, not an absence.
		o.finish(&TempError{Cause: fmt.Sprintf("answer from %s holds %s data of class %s for a question of class IN",
			o.srv.addr, dns.TypeToString[o.qtype], className(otherClass))})
		return
	}
	switch {
	case r.rcode == dns.RcodeNameError:
		o.finish(nil) // NXDOMAIN, for the last name of the chain
	case len(cur) == len(o.name) && string(cur) == string(o.name):
		if r.referral() {
			o.finish(&TempError{Cause: "referral for " + text(o.name) + " (server neither authoritative nor recursive)"})
			return
		}
		o.finish(nil) // NODATA
	default:
		// The answer stopped at a CNAME whose target it does not hold: ask
		// for the target.
		o.name = append(o.name[:0], cur...)
		o.query()
		o.send()
	}
}

// emit adds the data of answer record a to the result.
func (o *op) emit(a rr) error {
	msg := o.r.msg
	switch o.qtype {
	case dns.TypePTR:
		var err error
		if o.tmp, err = rdataName(o.tmp[:0], msg, a); err != nil {
			return err
		}
		s, err := nameText(o.tmp)
		if err == nil {
			o.ptrs = append(o.ptrs, s)
		}
		return err
	case dns.TypeA:
		if a.rdlen == 4 {
			o.addrs = append(o.addrs, netip.AddrFrom4([4]byte(msg[a.rdoff:])))
			return nil
		}
	case dns.TypeAAAA:
		if a.rdlen == 16 {
			o.addrs = append(o.addrs, netip.AddrFrom16([16]byte(msg[a.rdoff:])))
			return nil
		}
	}
	return fmt.Errorf("%s record with %d octets of data", dns.TypeToString[o.qtype], a.rdlen)
}

func (o *op) malformed(err error) *TempError {
	return &TempError{Cause: fmt.Sprintf("malformed answer for %s: %v", text(o.name), err), Err: err}
}

// finish hands the result over and puts o back in the pool.
func (o *op) finish(err error) {
	ptrs, addrs, onPTR, onAddrs, onCanon := o.ptrs, o.addrs, o.onPTR, o.onAddrs, o.onCanon
	auth, onAuth := o.auth, o.onAuth
	canon := ""
	if onCanon != nil && o.hops > 0 && err == nil {
		canon = text(lastName(o.path))
	}
	o.ptrs, o.addrs, o.onPTR, o.onAddrs, o.onCanon, o.ctx, o.srv = nil, nil, nil, nil, nil, nil, nil
	o.auth, o.onAuth, o.direct = Authority{}, nil, nil
	o.r.msg = nil
	o.c = nil
	opPool.Put(o)
	if err != nil {
		ptrs, addrs = nil, nil
	}
	switch {
	case onAuth != nil:
		if err != nil {
			auth = Authority{Server: auth.Server}
		}
		onAuth(auth, err)
	case onPTR != nil:
		onPTR(ptrs, err)
	case onCanon != nil:
		onCanon(addrs, canon, err)
	default:
		onAddrs(addrs, err)
	}
}

func text(wire []byte) string {
	s, err := nameText(wire)
	if err != nil {
		return fmt.Sprintf("%q", wire)
	}
	return s
}

func className(c uint16) string {
	if s, ok := dns.ClassToString[c]; ok {
		return s
	}
	return fmt.Sprintf("CLASS%d", c)
}

func rcodeText(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE %d", rc)
}

var (
	errClosed  = errors.New("resolver closed")
	errFormErr = errors.New("FORMERR")
	// errTimeout marks an attempt that got no answer in time.
	errTimeout = errors.New("timeout")
)
