package zoneset

import (
	"fmt"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// WriteError is why a write must not happen: every reason found, each
// naming the zone and its files. Nothing was written.
type WriteError struct {
	Reasons []string
}

func (e *WriteError) Error() string {
	if len(e.Reasons) == 1 {
		return "refusing to write: " + e.Reasons[0]
	}
	return "refusing to write:\n  " + strings.Join(e.Reasons, "\n  ")
}

// CheckWrite says whether cs may be written to this set: never while two
// files claim one origin, and never into a zone that is read-only (dynamic,
// or incomplete because an $INCLUDE failed), nor into the space of a zone
// that is not loaded (it failed to load, or is a secondary), where a write
// would create a second copy of the zone or miss its records. zones names
// other zones the write touches (files it retires or creates). The error is a *WriteError.
func (s *Set) CheckWrite(cs rdns.ChangeSet, zones ...string) error {
	if s == nil {
		return nil // no zone set (a backend that keeps none): nothing to check
	}
	var reasons []string
	seen := map[string]bool{}
	add := func(r string) {
		if !seen[r] {
			seen[r] = true
			reasons = append(reasons, r)
		}
	}
	for _, c := range s.Conflicts {
		add(fmt.Sprintf("zone %s is claimed by %s: remove or rename all but one (rdnsctl reads %s)",
			c.Origin, strings.Join(c.Files, " and "), c.Files[0]))
	}
	touch := func(zone, name string, c *rdns.Change) {
		if z := s.Zone(zone); z != nil && z.ReadOnly != "" {
			add(fmt.Sprintf("zone %s (%s) is read-only: %s", z.Origin, z.Path, z.ReadOnly))
		}
		isNew := s.Zone(zone) == nil
		for _, nl := range s.NotLoaded {
			if !holdsData(nl.Type) {
				continue
			}
			if hits(nl, zone, name, c, isNew, s.opt.Style) {
				add(notLoadedReason(nl))
			}
		}
	}
	for i := range cs.Changes {
		c := &cs.Changes[i]
		zone := canonicalOrigin(c.Zone)
		// a change in a zone that exists is in that zone; its address
		// may also lie in a more specific zone that failed
		touch(zone, strings.ToLower(c.Name), c)
	}
	for _, o := range zones {
		touch(canonicalOrigin(o), "", nil)
	}
	if reasons == nil {
		return nil
	}
	return &WriteError{Reasons: reasons}
}

// hits says whether a change in zone, at owner name and address c.Addr,
// touches the space of a zone that is not loaded. A zone that is loaded
// owns its space except where a more specific zone (loaded or not) does:
// a secondary 10.in-addr.arpa does not block writes to a primary
// 1.10.in-addr.arpa, a failed RFC 2317 child blocks its addresses in the
// parent.
func hits(nl NotLoaded, zone, name string, c *rdns.Change, isNew bool, style rdns.Style) bool {
	if nl.Origin == "" {
		return true // it could be any zone
	}
	if zone == nl.Origin {
		return true
	}
	if !isNew && zone != "" && !under(nl.Origin, zone) {
		return false // the change's zone is more specific than nl
	}
	if name != "" && under(name, nl.Origin) {
		return true
	}
	if c != nil && c.Addr.IsValid() && nl.Prefix.IsValid() && nl.Prefix.Contains(c.Addr.Unmap()) {
		return true
	}
	// a new zone over (or inside) the failed one's block
	if isNew && nl.Prefix.IsValid() && zone != "" {
		if zn, err := rdns.ParseZoneName(zone, style); err == nil && zn.Prefix.Overlaps(nl.Prefix) {
			return true
		}
	}
	return false
}

// holdsData says whether a zone of this type holds data another server
// is authoritative for (secondary, mirror, stub, and a primary that failed):
// hint, forward, redirect and delegation-only zones hold none.
func holdsData(typ string) bool {
	switch typ {
	case "hint", "forward", "redirect", "delegation-only", "static-stub":
		return false
	}
	return true
}

// under says whether name is origin or below it.
func under(name, origin string) bool {
	return name == origin || origin == "." || strings.HasSuffix(name, "."+origin)
}

func notLoadedReason(nl NotLoaded) string {
	what := nl.Origin
	if what == "" {
		what = "of unknown origin"
	}
	where := nl.Path
	if nl.Source != "" {
		where = strings.TrimSpace(nl.Path + " " + "(" + nl.Source + ")")
	}
	if where != "" {
		where = " in " + where
	}
	if nl.Type != "primary" {
		return fmt.Sprintf("zone %s%s is a %s zone: rdnsctl does not write it (change it on its primary)", what, where, nl.Type)
	}
	if nl.Origin == "" {
		return fmt.Sprintf("a zone file could not be loaded and its origin is unknown, so any write could belong to it: %v", nl.Err)
	}
	return fmt.Sprintf("zone %s could not be loaded, so no write may touch its addresses: %v", what, nl.Err)
}
