package resolver

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Authority is what one server answered when asked, without recursion, for
// a zone's SOA: enough to tell whether it serves the zone (a delegation's
// name server must) or is lame for it.
type Authority struct {
	// Server is the address asked.
	Server netip.AddrPort
	// Rcode is the answer's RCODE (dns.RcodeSuccess, dns.RcodeRefused, ...).
	Rcode int
	// AA is the Authoritative Answer bit; RA the Recursion Available bit.
	AA, RA bool
	// SOA says the answer section holds an SOA record (class IN) owned by
	// the zone asked for.
	SOA bool
	// OtherSOA is the owner of an SOA record owned by another name, in the
	// answer or the authority section: the zone the server answered from
	// instead (a parent's negative answer, a wrong zone). "" when none.
	OtherSOA string
	// Referral is the owner of the NS records in the authority section of
	// an answer without the AA bit and without data: the server refers the
	// question elsewhere (to the zone itself, or to a parent). "" when the
	// answer is no referral.
	Referral string
}

// Authoritative reports whether the server answered for the zone as its
// authority: NOERROR, the AA bit, and the zone's SOA in the answer.
func (a Authority) Authoritative() bool {
	return a.Rcode == dns.RcodeSuccess && a.AA && a.SOA
}

// RcodeText is the answer's RCODE as a word: NOERROR, REFUSED, SERVFAIL.
func (a Authority) RcodeText() string { return rcodeText(a.Rcode) }

// SOAAt asks server, and only it, for the SOA of zone, with the RD bit
// clear (the question is what the server itself holds, not what it could
// find out). The query goes through the client's machinery: the rate limit
// (Config.QPS), the bound on queries in flight, the timeout and retries
// (to the same server), TCP after a truncated answer, and ctx.
//
// Any answer is returned, whatever its RCODE: REFUSED, NXDOMAIN or a
// referral are facts about the server, not failures of the lookup. SERVFAIL
// is asked again up to Config.Retries times, then returned too. The error
// (a *TempError) says that no usable answer came: timeout after the
// retries, a network error (connection refused: nothing listens there), a
// malformed answer, or ctx's end.
func (c *Client) SOAAt(ctx context.Context, server netip.AddrPort, zone string) (Authority, error) {
	type result struct {
		a   Authority
		err error
	}
	done := make(chan result, 1)
	c.SOAAtFunc(ctx, server, zone, func(a Authority, err error) { done <- result{a, err} })
	r := <-done
	return r.a, r.err
}

// SOAAtFunc is to SOAAt what PTRFunc is to PTR: done is called once, from
// one of the client's goroutines, never before SOAAtFunc has returned, and
// must not block.
func (c *Client) SOAAtFunc(ctx context.Context, server netip.AddrPort, zone string, done func(Authority, error)) {
	fail := func(err error) {
		go done(Authority{Server: server}, err)
	}
	if !server.IsValid() || server.Port() == 0 {
		fail(fmt.Errorf("SOA question for %q to an invalid server %s", zone, server))
		return
	}
	server = netip.AddrPortFrom(server.Addr().Unmap(), server.Port())
	srv, err := c.directServer(server)
	if err != nil {
		fail(err)
		return
	}
	o := c.newOp(ctx, dns.TypeSOA)
	if o.name, err = appendName(o.name[:0], zone); err != nil {
		opPool.Put(o)
		fail(fmt.Errorf("SOA question for %q: %w", zone, err))
		return
	}
	o.direct = srv
	o.auth = Authority{Server: server}
	o.onAuth = done
	o.begin()
}

// directServer returns the server at ap: a configured one, else one opened
// for direct questions (kept until Close; it reads answers in small
// batches, as it is one of possibly thousands).
func (c *Client) directServer(ap netip.AddrPort) (*server, error) {
	for _, s := range c.servers {
		if s.addr == ap {
			return s, nil
		}
	}
	c.dmu.Lock()
	defer c.dmu.Unlock()
	if c.isClosed() {
		return nil, &TempError{Cause: "resolver closed", Err: errClosed}
	}
	if s := c.direct[ap]; s != nil {
		return s, nil
	}
	srv := &server{addr: ap}
	sock, err := dialUDP(srv)
	if err != nil {
		return nil, &TempError{Cause: fmt.Sprintf("name server %s: %v", ap, err), Err: err}
	}
	sock.batch = directBatch
	srv.socks = []*udpSock{sock}
	if c.direct == nil {
		c.direct = map[netip.AddrPort]*server{}
	}
	c.direct[ap] = srv
	var list []*server
	if old := c.directs.Load(); old != nil {
		list = slices.Clone(*old)
	}
	list = append(list, srv)
	c.directs.Store(&list)
	c.readers.Add(1)
	go sock.read(&c.readers, &c.sent)
	return srv, nil
}

// directBatch is the read batch of a direct server's socket: few answers
// come at once from one of many servers, and each buffer is readSize bytes.
const directBatch = 4

// allServers lists the configured servers and those asked directly.
func (c *Client) allServers() []*server {
	d := c.directs.Load()
	if d == nil {
		return c.servers
	}
	return append(slices.Clip(c.servers), *d...)
}

// handleAuthority reads the answer to a direct SOA question into o.auth.
func (o *op) handleAuthority() {
	r := &o.r
	switch r.rcode {
	case dns.RcodeServerFailure:
		if o.tries < o.c.cfg.Retries {
			o.retry(&TempError{Cause: "SERVFAIL from " + o.srv.addr.String()})
			return
		}
	case dns.RcodeFormatError:
		if o.edns {
			o.retry(&TempError{Cause: "FORMERR from " + o.srv.addr.String(), Err: errFormErr})
			return
		}
	}
	var m dns.Msg
	if err := m.Unpack(r.msg); err != nil {
		o.retry(&TempError{Cause: fmt.Sprintf("malformed answer from %s: %v", o.srv.addr, err), Err: err})
		return
	}
	zone := text(o.name)
	a := &o.auth
	a.Rcode, a.AA, a.RA = m.Rcode, m.Authoritative, m.RecursionAvailable
	a.SOA, a.OtherSOA, a.Referral = false, "", ""
	for _, rr := range m.Answer {
		h := rr.Header()
		if h.Rrtype != dns.TypeSOA || h.Class != dns.ClassINET {
			continue
		}
		if strings.EqualFold(h.Name, zone) {
			a.SOA = true
		} else if a.OtherSOA == "" {
			a.OtherSOA = strings.ToLower(h.Name)
		}
	}
	for _, rr := range m.Ns {
		h := rr.Header()
		if h.Class != dns.ClassINET {
			continue
		}
		switch h.Rrtype {
		case dns.TypeSOA:
			if a.OtherSOA == "" && !strings.EqualFold(h.Name, zone) {
				a.OtherSOA = strings.ToLower(h.Name)
			}
		case dns.TypeNS:
			if !m.Authoritative && len(m.Answer) == 0 && a.Referral == "" {
				a.Referral = strings.ToLower(h.Name)
			}
		}
	}
	o.finish(nil)
}
