package zonefile

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
)

// recordsOf finds the first record each of the given entries made, in one
// pass over the records.
func (p *patcher) recordsOf(keys map[entryKey]bool) map[entryKey]Record {
	m := make(map[entryKey]Record, len(keys))
	for _, r := range p.z.Records {
		k := entryKey{r.File, r.Entry}
		if keys[k] {
			if _, ok := m[k]; !ok {
				m[k] = r
			}
		}
	}
	return m
}

// ownerFixes writes the owner of a deleted entry into the next entry when
// that entry inherited it: one pass over each file with deletions.
func (p *patcher) ownerFixes() error {
	if len(p.deleted) == 0 {
		return nil
	}
	files := map[int32]bool{}
	for k := range p.deleted {
		files[k.file] = true
	}
	type fix struct{ from, to entryKey }
	var fixes []fix
	need := map[entryKey]bool{}
	for fi := range files {
		f := p.z.Files[fi]
		pending := int32(-1) // a deleted entry whose owner is still to be handed on
		for j, e := range f.Entries {
			if e.Kind != EntryRecord {
				continue
			}
			k := entryKey{fi, int32(j)}
			if p.deleted[k] {
				if !e.Inherit {
					pending = int32(j)
				}
				continue
			}
			if e.Inherit && pending >= 0 {
				from := entryKey{fi, pending}
				fixes = append(fixes, fix{from, k})
				need[from] = true
			}
			pending = -1
		}
	}
	slices.SortFunc(fixes, func(a, b fix) int {
		if c := cmp.Compare(a.to.file, b.to.file); c != 0 {
			return c
		}
		return cmp.Compare(a.to.entry, b.to.entry)
	})
	recs := p.recordsOf(need)
	for _, x := range fixes {
		f := p.z.Files[x.from.file]
		e, n := f.Entries[x.from.entry], f.Entries[x.to.entry]
		var owner []byte
		if n.Origin == e.Origin {
			lx, ent, err := entryLex(f, e)
			if err != nil {
				return err
			}
			owner = bytes.Clone(lx.text(ent.toks[0]))
		} else {
			owner = []byte(relativeName(recs[x.from].Name, n.Origin))
		}
		p.addEdit(x.to.file, n.Start, n.Start, owner)
	}
	return nil
}

// ttlFixes writes its TTL into the first entry after a deleted one that
// wrote a TTL, when that entry took it (RFC 1035, no $TTL in effect), so
// that no untouched record changes TTL: one pass over each such file.
func (p *patcher) ttlFixes() error {
	if len(p.ttlGone) == 0 {
		return nil
	}
	gone := map[entryKey]bool{}
	files := map[int32]bool{}
	for _, k := range p.ttlGone {
		gone[k] = true
		files[k.file] = true
	}
	targets := map[entryKey]bool{}
	for fi := range files {
		f := p.z.Files[fi]
		pending := false
		for j, e := range f.Entries {
			k := entryKey{fi, int32(j)}
			switch {
			case gone[k]:
				pending = true
			case e.Kind == EntryInclude || e.Kind == EntryTTL:
				pending = false
			case e.Kind != EntryRecord || p.deleted[k]:
			default:
				if pending && e.LastTTL {
					targets[k] = true
				}
				pending = false
			}
		}
	}
	recs := p.recordsOf(targets)
	keys := make([]entryKey, 0, len(targets))
	for k := range targets {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b entryKey) int {
		if c := cmp.Compare(a.file, b.file); c != 0 {
			return c
		}
		return cmp.Compare(a.entry, b.entry)
	})
	for _, nk := range keys {
		f := p.z.Files[nk.file]
		_, ent, err := entryLex(f, f.Entries[nk.entry])
		if err != nil {
			return err
		}
		i := 0
		if !ent.initialWS {
			i = 1
		}
		if i >= len(ent.toks) {
			continue
		}
		ttl := strconv.AppendUint(nil, uint64(recs[nk].TTL), 10)
		p.addEdit(nk.file, ent.toks[i].s, ent.toks[i].s, append(ttl, ' '))
	}
	return nil
}
