//go:build linux

package resolver

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsgState holds the headers for sendmmsg/recvmmsg, reused between calls,
// and the callback given to RawConn (made once, so that a batch costs no
// allocation).
type mmsgState struct {
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	k     int // headers to pass
	n     int // messages done
	err   error
	call  uintptr // SYS_SENDMMSG or SYS_RECVMMSG
	yield bool    // on EAGAIN, yield once before waiting
	fn    func(fd uintptr) bool
}

func (st *mmsgState) init(size int, call uintptr) {
	if st.fn != nil {
		return
	}
	st.hdrs = make([]unix.Mmsghdr, size)
	st.iovs = make([]unix.Iovec, size)
	for i := range st.hdrs {
		st.hdrs[i].Hdr.Iov = &st.iovs[i]
		st.hdrs[i].Hdr.SetIovlen(1)
	}
	st.call = call
	st.fn = func(fd uintptr) bool {
		for {
			n, _, e := unix.Syscall6(st.call, fd, uintptr(unsafe.Pointer(&st.hdrs[0])), uintptr(st.k), 0, 0, 0)
			switch e {
			case 0:
				st.n, st.err = int(n), nil
				return true
			case unix.EINTR:
				continue
			case unix.EAGAIN:
				return false // wait until the socket is ready
			}
			st.n, st.err = 0, e
			return true
		}
	}
}

// writeBatch sends the queries in s.out (ends in s.outEnds) with sendmmsg.
func (s *udpSock) writeBatch() error {
	st := &s.sendmsg
	st.init(maxQueued, unix.SYS_SENDMMSG)
	start, ends := 0, s.outEnds
	for len(ends) > 0 {
		k := min(len(ends), maxQueued)
		for i := range k {
			st.iovs[i].Base = &s.out[start]
			st.iovs[i].SetLen(ends[i] - start)
			start = ends[i]
		}
		for done := 0; done < k; {
			st.k = k - done
			hdrs := st.hdrs
			st.hdrs = st.hdrs[done:]
			err := s.raw.Write(st.fn)
			st.hdrs = hdrs
			if err == nil {
				err = st.err
			}
			if err != nil {
				return err
			}
			done += st.n
		}
		ends = ends[k:]
	}
	return nil
}

// readBatch reads up to len(bufs) answers with recvmmsg, blocking until there
// is at least one.
func (s *udpSock) readBatch(st *mmsgState, bufs [][]byte, lens []int, truncs []bool) (int, error) {
	if st.fn == nil {
		st.init(len(bufs), unix.SYS_RECVMMSG)
		for i, b := range bufs {
			st.iovs[i].Base = &b[0]
			st.iovs[i].SetLen(len(b))
		}
		st.k = len(bufs)
	}
	if err := s.raw.Read(st.fn); err != nil {
		return 0, err
	}
	if st.err != nil {
		return 0, st.err
	}
	for i := range st.n {
		lens[i] = int(st.hdrs[i].Len)
		truncs[i] = st.hdrs[i].Hdr.Flags&unix.MSG_TRUNC != 0
	}
	return st.n, nil
}
