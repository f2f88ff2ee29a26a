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

// How the UDP transport works. Each server has a few connected UDP sockets,
// each with a table of outstanding queries indexed by message ID and one
// reader goroutine that reads answers in batches (recvmmsg), matches them to
// callers by ID and question, and wakes them. Callers do not write to the
// socket one by one: they copy their query into the socket's send queue, and
// the caller that found the queue idle yields once (so that the other callers
// woken by the same batch of answers can queue theirs) and then sends the
// whole queue in one system call (sendmmsg). Batches keep both the server's
// threads and ours from waking once per packet, which is most of the cost on
// a busy machine. Timeouts come from one sweeper goroutine per Client that
// expires outstanding queries in coarse ticks, not from a timer per query.

// call is one lookup in progress. It owns the buffers for its query and
// answer, and is reused through a sync.Pool.
type call struct {
	q     []byte // the query; q[0:2] is the ID of the current attempt
	qlen  int
	qsec  int    // length of the question section
	resp  []byte // the answer, written by the socket's reader
	rerr  error  // or why there is none (errTimeout, a network error)
	trunc bool   // the answer was cut short by our receive buffer
	done  chan struct{}
	ctx   context.Context // of the attempt, while outstanding
	epoch uint32          // sweeper tick at which the attempt started
	slot  int             // index in udpSock.active while outstanding
	timer *time.Timer
	r     response
	name  []byte // current query name, wire form, lower case
	path  []byte // names visited along CNAMEs, concatenated wire forms
	tmp   []byte
}

func newCall() *call {
	return &call{
		q:    make([]byte, headerLen+maxName+4+optLen),
		resp: make([]byte, 0, 1500),
		done: make(chan struct{}, 1),
		name: make([]byte, 0, maxName),
		path: make([]byte, 0, 2*maxName),
		tmp:  make([]byte, 0, maxName),
	}
}

// sleep waits d, or until ctx is done.
func (cl *call) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if cl.timer == nil {
		cl.timer = time.NewTimer(d)
	} else {
		cl.timer.Reset(d)
	}
	select {
	case <-cl.timer.C:
		return nil
	case <-ctx.Done():
		cl.timer.Stop()
		return ctx.Err()
	}
}

// server is one name server with its UDP sockets.
type server struct {
	addr  netip.AddrPort
	socks []*udpSock
	picks atomic.Uint32
}

// pick returns the socket for the next query. Queries go to one socket in
// runs of 64, so that callers woken together share a send batch, and all the
// sockets get used (a server spreads its work by socket).
func (s *server) pick() *udpSock {
	switch dbgPick {
	case "random":
		return s.socks[rand.Uint32()%uint32(len(s.socks))]
	case "rr":
		return s.socks[s.picks.Add(1)%uint32(len(s.socks))]
	}
	return s.socks[(s.picks.Add(1)>>6)%uint32(len(s.socks))]
}

const (
	readBatch = 32   // answers read per recvmmsg
	readSize  = 4096 // bytes per answer buffer; a longer answer is retried over TCP
	maxQueued = 64   // queries sent per sendmmsg
)

// udpSock is a connected UDP socket carrying many outstanding queries.
type udpSock struct {
	conn *net.UDPConn
	raw  syscall.RawConn

	mu     sync.Mutex
	calls  []*call  // by message ID: the outstanding queries
	active []uint16 // their IDs, for the sweeper
	closed bool

	qmu      sync.Mutex
	queue    []byte // queries waiting to be sent, back to back
	ends     []int  // end offset of each in queue
	flushing bool   // a caller is sending the queue

	// Owned by the caller that is flushing.
	out     []byte
	outEnds []int
	sendmsg mmsgState
}

func dialUDP(addr netip.AddrPort) (*udpSock, error) {
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(addr))
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
	return &udpSock{conn: conn, raw: raw, calls: make([]*call, 1<<16)}, nil
}

// register gives cl a fresh random ID not outstanding on s; false means s is
// closed.
func (s *udpSock) register(ctx context.Context, cl *call, epoch uint32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	id := uint16(rand.Uint32())
	for s.calls[id] != nil {
		id = uint16(rand.Uint32())
	}
	binary.BigEndian.PutUint16(cl.q, id)
	cl.rerr, cl.trunc, cl.epoch, cl.slot, cl.ctx = nil, false, epoch, len(s.active), ctx
	s.calls[id] = cl
	s.active = append(s.active, id)
	return true
}

// take removes the call outstanding under id, if it is cl (or any call when
// cl is nil), and returns it. s.mu must be held.
func (s *udpSock) take(id uint16, cl *call) *call {
	c := s.calls[id]
	if c == nil || (cl != nil && c != cl) {
		return nil
	}
	s.calls[id] = nil
	c.ctx = nil
	last := len(s.active) - 1
	if c.slot != last {
		moved := s.active[last]
		s.active[c.slot] = moved
		s.calls[moved].slot = c.slot
	}
	s.active = s.active[:last]
	return c
}

// finish wakes cl with err. cl must have been taken.
func finish(cl *call, err error) {
	cl.resp = cl.resp[:0]
	cl.rerr = err
	cl.done <- struct{}{}
}

// failAll ends every outstanding query with err; close also refuses new ones.
func (s *udpSock) failAll(err error, close bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = s.closed || close
	for len(s.active) > 0 {
		finish(s.take(s.active[0], nil), err)
	}
}

// expire ends the queries started at least ticks sweeper ticks ago (counted
// in timeouts) and those whose context is done.
func (s *udpSock) expire(epoch, ticks uint32, timeouts *atomic.Uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < len(s.active); {
		cl := s.calls[s.active[i]]
		if err := cl.ctx.Err(); err != nil {
			finish(s.take(s.active[i], nil), err)
			continue
		}
		if epoch-cl.epoch < ticks {
			i++
			continue
		}
		timeouts.Add(1)
		finish(s.take(s.active[i], nil), errTimeout)
	}
}

// send queues cl's query and, if no other caller is sending, sends the queue.
func (s *udpSock) send(cl *call, sent *atomic.Uint64) {
	s.qmu.Lock()
	s.queue = append(s.queue, cl.q[:cl.qlen]...)
	s.ends = append(s.ends, len(s.queue))
	lead := !s.flushing
	s.flushing = true
	s.qmu.Unlock()
	if !lead {
		return
	}
	// Let the callers that are ready to run queue their queries too.
	if !dbgNoGosched {
		runtime.Gosched()
	}
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
		DbgWrites.Add(1)
		if err := s.writeBatch(); err != nil {
			s.failQueries(s.out, s.outEnds, err)
		}
	}
}

// failQueries ends the queries in the batch queue/ends with err.
func (s *udpSock) failQueries(queue []byte, ends []int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := 0
	for _, end := range ends {
		if cl := s.take(binary.BigEndian.Uint16(queue[start:]), nil); cl != nil {
			finish(cl, err)
		}
		start = end
	}
}

// read runs in its own goroutine until the socket is closed.
func (s *udpSock) read(wg *sync.WaitGroup) {
	defer wg.Done()
	var rs mmsgState
	bufs := make([][]byte, readBatch)
	for i := range bufs {
		bufs[i] = make([]byte, readSize)
	}
	lens := make([]int, readBatch)
	truncs := make([]bool, readBatch)
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
		DbgReads.Add(1)
		DbgReadMsgs.Add(uint64(n))
		for i := range n {
			s.deliver(bufs[i][:lens[i]], truncs[i])
		}
	}
}

// deliver hands an answer to the query it answers, if any.
func (s *udpSock) deliver(msg []byte, trunc bool) {
	if len(msg) < headerLen {
		return
	}
	id := binary.BigEndian.Uint16(msg)
	s.mu.Lock()
	cl := s.calls[id]
	if cl != nil && matches(msg, cl.q, cl.qsec) {
		s.take(id, cl)
	} else {
		cl = nil
	}
	s.mu.Unlock()
	if cl == nil {
		return // late, duplicate or forged
	}
	cl.resp = append(cl.resp[:0], msg...)
	cl.rerr, cl.trunc = nil, trunc
	cl.done <- struct{}{}
}

// errTimeout marks an attempt that got no answer in time.
var errTimeout = errors.New("timeout")

// udpAttempt sends cl's query once to srv and waits for the answer, which it
// leaves in cl.resp. The wait is a plain channel receive: the reader, the
// sweeper (timeout, ctx done) or a failure always ends it. Waiting on
// ctx.Done() as well would make every caller queue on that one channel.
func (c *Client) udpAttempt(ctx context.Context, cl *call, srv *server) error {
	sock := srv.pick()
	if !sock.register(ctx, cl, c.epoch.Load()) {
		return errClosed
	}
	sock.send(cl, &c.sent)
	<-cl.done
	return cl.rerr
}

// sweep expires outstanding queries until the client is closed.
func (c *Client) sweep(tick time.Duration, ticks uint32) {
	defer c.readers.Done()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-c.closed:
			return
		case <-t.C:
		}
		epoch := c.epoch.Add(1)
		for _, srv := range c.servers {
			for _, s := range srv.socks {
				s.expire(epoch, ticks, &c.timeouts)
			}
		}
	}
}

// tcpAttempt sends cl's query to srv over a new TCP connection (after a
// truncated UDP answer) and leaves the answer in cl.resp.
func (c *Client) tcpAttempt(ctx context.Context, cl *call, srv *server) error {
	c.sent.Add(1)
	c.tcp.Add(1)
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
	binary.BigEndian.PutUint16(hdr[:], uint16(cl.qlen))
	if _, err := (&net.Buffers{hdr[:], cl.q[:cl.qlen]}).WriteTo(conn); err != nil {
		return err
	}
	for {
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint16(hdr[:]))
		if cap(cl.resp) < n {
			cl.resp = make([]byte, n)
		}
		cl.resp = cl.resp[:n]
		if _, err := io.ReadFull(conn, cl.resp); err != nil {
			return err
		}
		if matches(cl.resp, cl.q, cl.qsec) {
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
	}
	return fmt.Sprintf("%s: %v", srv, err)
}
