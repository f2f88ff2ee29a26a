package fcrdns_test

import (
	"context"
	"net/netip"
	"strconv"
	"testing"

	"github.com/rdnsctl/rdnsctl/fcrdns"
)

// instant answers like the bench zone (one PTR per address, its A record)
// without a network, allocating its answers as the network client does: the
// cost of the check itself.
type instant struct{}

func (instant) PTR(_ context.Context, a netip.Addr) ([]string, error) {
	b := a.As4()
	return []string{"h-" + strconv.Itoa(int(b[0])) + "-" + strconv.Itoa(int(b[1])) + "-" +
		strconv.Itoa(int(b[2])) + "-" + strconv.Itoa(int(b[3])) + ".bench.example."}, nil
}

func (instant) Addrs(_ context.Context, name string, _ bool) ([]netip.Addr, error) {
	var b [4]byte
	k, v := 0, 0
	for _, c := range []byte(name[2:]) {
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + int(c-'0')
		case k < 4:
			b[k], k, v = byte(v), k+1, 0
		}
	}
	return []netip.Addr{netip.AddrFrom4(b)}, nil
}

func BenchmarkCheck(b *testing.B) {
	in := make([]netip.Addr, 100000)
	for i := range in {
		in[i] = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := fcrdns.CheckAll(ctx, instant{}, in, fcrdns.Options{Workers: 100})
		if err != nil || len(res) != len(in) || res[0].Verdict != fcrdns.Pass {
			b.Fatal(err, len(res))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(in)), "ns/check")
}
