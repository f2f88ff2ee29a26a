package live

import (
	"context"

	"github.com/rdnsctl/rdnsctl/powerdns"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/rfc2136"
	"github.com/rdnsctl/rdnsctl/zonefile"
)

// RFC2136 is a Writer over AXFR and DNS UPDATE.
type RFC2136 struct {
	Server *rfc2136.Server
	Batch  int    // changes per UPDATE message (0: rfc2136.DefaultBatch)
	TTL    uint32 // of added records; 0: as the zone's records
}

func (w *RFC2136) Source(origin string) string { return rfc2136.Source(w.Server.Name, origin) }

func (w *RFC2136) Read(ctx context.Context, origin string) (*zonefile.Zone, error) {
	return rfc2136.Transfer(ctx, w.Server, origin)
}

func (w *RFC2136) Write(ctx context.Context, origin string, changes []rdns.Change, seen func(string, uint16) []string, ttl uint32) ([]int, uint32, error) {
	if w.TTL > 0 {
		ttl = w.TTL
	}
	res, err := rfc2136.Push(ctx, w.Server, origin, changes, rfc2136.PushOptions{Batch: w.Batch, TTL: ttl, Seen: seen})
	return res.Applied, res.Serial, err
}

// PowerDNS is a Writer over the PowerDNS API.
type PowerDNS struct {
	Client    *powerdns.Client
	MaxRRsets int
	TTL       uint32
	Kind      string // of zones it makes: Native (default) or Master
}

func (w *PowerDNS) Source(origin string) string { return powerdns.Source(w.Client.Name, origin) }

func (w *PowerDNS) Read(ctx context.Context, origin string) (*zonefile.Zone, error) {
	z, _, err := w.Client.Read(ctx, origin)
	return z, err
}

func (w *PowerDNS) Write(ctx context.Context, origin string, changes []rdns.Change, seen func(string, uint16) []string, ttl uint32) ([]int, uint32, error) {
	if w.TTL > 0 {
		ttl = w.TTL
	}
	res, err := w.Client.Patch(ctx, origin, changes, powerdns.PatchOptions{Seen: seen, TTL: ttl, MaxRRsets: w.MaxRRsets})
	return res.Applied, res.Serial, err
}

// Create makes the zone through the API (kind Native, SOA-EDIT-API
// DEFAULT, so PowerDNS bumps its serial on later changes).
func (w *PowerDNS) Create(ctx context.Context, origin string, records []zonefile.Record, ttl uint32) error {
	nz := powerdns.NewZone{Origin: origin, Kind: w.Kind, TTL: ttl}
	for _, r := range records {
		switch {
		case r.Type == zonefile.TypeSOA && r.Name == zonefile.Fqdn(origin):
			nz.SOA = r.Data
		case r.Type == zonefile.TypeNS && r.Name == zonefile.Fqdn(origin):
			nz.NS = append(nz.NS, r.Data)
		default:
			nz.Records = append(nz.Records, r)
		}
	}
	return w.Client.Create(ctx, nz)
}

// Delete removes the zone.
func (w *PowerDNS) Delete(ctx context.Context, origin string) error {
	return w.Client.Delete(ctx, origin)
}
