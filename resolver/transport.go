package resolver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// How the UDP transport works. Each server has one or more (Config.Sockets)
// connected UDP sockets, each with a table of outstanding queries by message
// ID and one reader goroutine. The reader reads answers in batches (recvmmsg), matches each to
// its op by ID and question, and moves the op on right there: a finished
// lookup calls its callback in the reader, and queries started meanwhile
// (a CNAME target, a retry, the callbacks' next lookups) are queued while the
// reader holds the sending role of the server's sockets, then sent in one
// system call (sendmmsg) at the end of the batch. Queries started elsewhere
// are queued too; the caller that finds a queue idle yields once (so that
// other goroutines ready to run can queue theirs) and sends the queue.
// Batches keep both the server's threads and ours from waking once per
// packet, which is most of the cost on a busy machine. Timeouts and context
// ends come from one sweeper goroutine per Client that expires outstanding
// queries in coarse ticks, not from a timer per query.

// server is one name server with its UDP sockets.
type server struct {
	addr  netip.AddrPort
	socks []*udpSock
	picks atomic.Uint32
}

// pick returns the socket for the next query. Queries go to one socket in
// runs of 64, so that queries started together share a send batch, and all
// the sockets get used (a server spreads its work by socket).
func (s *server) pick() *udpSock {
	return s.socks[(s.picks.Add(1)>>6)%uint32(len(s.socks))]
}

const (
	readBatch = 32   // answers read per recvmmsg
	readSize  = 4096 // bytes per answer buffer; a longer answer is retried over TCP
	maxQueued = 64   // queries sent per sendmmsg
)

// udpSock is a connected UDP socket carrying many outstanding queries.
type udpSock struct {
	srv   *server
	conn  *net.UDPConn
	raw   syscall.RawConn
	batch int // answers read per recvmmsg (readBatch; fewer for a direct server)

	mu     sync.Mutex
	ops    map[uint16]*op // by message ID: the outstanding queries (a small
	active []uint16       // map stays in the CPU cache); their IDs, for the sweeper
	closed bool

	qmu      sync.Mutex
	queue    []byte // queries waiting to be sent, back to back
	ends     []int  // end offset of each in queue
	flushing bool   // someone has the sending role: they will send the queue

	// Owned by whoever has the sending role.
	out     []byte
	outEnds []int
	sendmsg mmsgState
}

func dialUDP(srv *server) (*udpSock, error) {
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(srv.addr))
	if err != nil {
		return nil, err
	}
	// Bursts of answers must not overflow the socket buffer; the kernel
	// caps these at net.core.[rw]mem_max. Errors only mean smaller buffers.
	_ = conn.SetReadBuffer(4 << 20)
	_ = conn.SetWriteBuffer(1 << 20)
	raw, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &udpSock{srv: srv, conn: conn, raw: raw, batch: readBatch, ops: make(map[uint16]*op, 256)}, nil
}

// send registers o's attempt under a fresh random message ID and queues its
// query; unless someone has the sending role, it takes it and sends the
// queue. The query is copied into the queue before the table's lock is let
// go: from then on, the reader may take o at any time. false means s is
// closed.
func (s *udpSock) send(o *op, epoch uint32, sent *atomic.Uint64) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	id := uint16(rand.Uint32())
	for s.ops[id] != nil {
		id = uint16(rand.Uint32())
	}
	binary.BigEndian.PutUint16(o.q, id)
	o.ctxOut, o.epoch, o.slot = o.ctx, epoch, len(s.active)
	s.ops[id] = o
	s.active = append(s.active, id)
	s.qmu.Lock()
	s.queue = append(s.queue, o.q[:o.qlen]...)
	s.ends = append(s.ends, len(s.queue))
	lead := !s.flushing
	s.flushing = true
	s.qmu.Unlock()
	s.mu.Unlock()
	if lead {
		// Let the goroutines that are ready to run queue their queries too.
		runtime.Gosched()
		s.flush(sent)
	}
	return true
}

// take removes and returns the op outstanding under id. s.mu must be held.
func (s *udpSock) take(id uint16) *op {
	o := s.ops[id]
	if o == nil {
		return nil
	}
	delete(s.ops, id)
	o.ctxOut = nil
	last := len(s.active) - 1
	if o.slot != last {
		moved := s.active[last]
		s.active[o.slot] = moved
		s.ops[moved].slot = o.slot
	}
	s.active = s.active[:last]
	return o
}

// failAll ends every outstanding query with err; close also refuses new ones.
func (s *udpSock) failAll(err error, close bool) {
	s.mu.Lock()
	s.closed = s.closed || close
	var failed []*op
	for len(s.active) > 0 {
		failed = append(failed, s.take(s.active[0]))
	}
	s.mu.Unlock()
	for _, o := range failed {
		o.fail(err)
	}
}

// expire ends the queries whose context is done and those started at least
// ticks sweeper ticks ago (counted in timeouts).
func (s *udpSock) expire(epoch, ticks uint32, timeouts *atomic.Uint64, buf []*op, errs []error) ([]*op, []error) {
	s.mu.Lock()
	for i := 0; i < len(s.active); {
		o := s.ops[s.active[i]]
		err := o.ctxOut.Err()
		switch {
		case err != nil:
		case epoch-o.epoch >= ticks:
			err = errTimeout
			timeouts.Add(1)
		default:
			i++
			continue
		}
		buf = append(buf, s.take(s.active[i]))
		errs = append(errs, err)
	}
	s.mu.Unlock()
	return buf, errs
}

// hold takes the sending role if nobody has it.
func (s *udpSock) hold() bool {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if s.flushing {
		return false
	}
	s.flushing = true
	return true
}

// flush sends the queue until it is empty, then gives up the sending role
// (which the caller has).
func (s *udpSock) flush(sent *atomic.Uint64) {
	for {
		s.qmu.Lock()
		if len(s.ends) == 0 {
			s.flushing = false
			s.qmu.Unlock()
			return
		}
		s.out, s.queue = s.queue, s.out[:0]
		s.outEnds, s.ends = s.ends, s.outEnds[:0]
		s.qmu.Unlock()
		sent.Add(uint64(len(s.outEnds)))
		if err := s.writeBatch(); err != nil {
			s.failQueries(s.out, s.outEnds, err)
		}
	}
}

// failQueries ends the queries in the batch queue/ends with err.
func (s *udpSock) failQueries(queue []byte, ends []int, err error) {
	var failed []*op
	s.mu.Lock()
	start := 0
	for _, end := range ends {
		if o := s.take(binary.BigEndian.Uint16(queue[start:])); o != nil {
			failed = append(failed, o)
		}
		start = end
	}
	s.mu.Unlock()
	for _, o := range failed {
		o.fail(err)
	}
}

// read runs in its own goroutine until the socket is closed.
func (s *udpSock) read(wg *sync.WaitGroup, sent *atomic.Uint64) {
	defer wg.Done()
	var rs mmsgState
	bufs := make([][]byte, s.batch)
	for i := range bufs {
		bufs[i] = make([]byte, readSize)
	}
	lens := make([]int, s.batch)
	truncs := make([]bool, s.batch)
	ready := make([]*op, s.batch)
	held := make([]*udpSock, 0, len(s.srv.socks))
	for {
		n, err := s.readBatch(&rs, bufs, lens, truncs)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				s.failAll(err, true)
				return
			}
			// ECONNREFUSED (ICMP port unreachable) and the like: every
			// query on this socket went to a server that is not there.
			s.failAll(err, false)
			if !errors.Is(err, syscall.ECONNREFUSED) {
				time.Sleep(time.Millisecond) // do not spin on a lasting error
			}
			continue
		}
		// Match the answers to their ops, taking the lock once.
		s.mu.Lock()
		for i := range n {
			ready[i] = nil
			msg := bufs[i][:lens[i]]
			if len(msg) < headerLen {
				continue
			}
			id := binary.BigEndian.Uint16(msg)
			if o := s.ops[id]; o != nil && matches(msg, o.q, o.qsec) {
				ready[i] = s.take(id)
			}
			// else late, duplicate or forged
		}
		s.mu.Unlock()
		// Move the ops on, holding the sending role of the server's
		// sockets so that the queries they start go out together.
		held = held[:0]
		for _, t := range s.srv.socks {
			if t.hold() {
				held = append(held, t)
			}
		}
		for i, o := range ready[:n] {
			if o != nil {
				ready[i] = nil
				o.answer(bufs[i][:lens[i]], truncs[i])
			}
		}
		for _, t := range held {
			t.flush(sent)
		}
	}
}

// sweep expires outstanding queries until the client is closed.
func (c *Client) sweep(tick time.Duration, ticks uint32) {
	defer c.readers.Done()
	t := time.NewTicker(tick)
	defer t.Stop()
	var buf []*op
	var errs []error
	for {
		select {
		case <-c.closed:
			return
		case <-t.C:
		}
		epoch := c.epoch.Add(1)
		for _, srv := range c.allServers() {
			for _, s := range srv.socks {
				buf, errs = s.expire(epoch, ticks, &c.timeouts, buf[:0], errs[:0])
				for i, o := range buf {
					buf[i] = nil
					o.fail(errs[i])
				}
			}
		}
	}
}

// tcpExchange sends o's query to srv over a new TCP connection (after a
// truncated UDP answer) and leaves the answer in o.resp.
func (c *Client) tcpExchange(ctx context.Context, o *op, srv *server) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", srv.addr.String())
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var hdr [2]byte
	binary.BigEndian.PutUint16(hdr[:], uint16(o.qlen))
	if _, err := (&net.Buffers{hdr[:], o.q[:o.qlen]}).WriteTo(conn); err != nil {
		return err
	}
	for {
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			if ctx.Err() == context.DeadlineExceeded {
				return errTimeout
			}
			return err
		}
		n := int(binary.BigEndian.Uint16(hdr[:]))
		if cap(o.resp) < n {
			o.resp = make([]byte, n)
		}
		o.resp = o.resp[:n]
		if _, err := io.ReadFull(conn, o.resp); err != nil {
			return err
		}
		if matches(o.resp, o.q, o.qsec) {
			return nil
		}
	}
}

// netCause describes a network error briefly for TempError.Cause.
func netCause(err error, srv netip.AddrPort) string {
	switch {
	case errors.Is(err, errTimeout):
		return "timeout from " + srv.String()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused by " + srv.String()
	case errors.Is(err, net.ErrClosed), errors.Is(err, errClosed):
		return "resolver closed"
	}
	return fmt.Sprintf("%s: %v", srv, err)
}
