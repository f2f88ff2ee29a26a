//go:build !linux

package resolver

// Without sendmmsg/recvmmsg, batches are sent and read one message at a time.

type mmsgState struct{}

func (s *udpSock) writeBatch() error {
	start := 0
	for _, end := range s.outEnds {
		if _, err := s.conn.Write(s.out[start:end]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

func (s *udpSock) readBatch(_ *mmsgState, bufs [][]byte, lens []int, truncs []bool) (int, error) {
	n, err := s.conn.Read(bufs[0])
	if err != nil {
		return 0, err
	}
	lens[0], truncs[0] = n, n == len(bufs[0])
	return 1, nil
}
