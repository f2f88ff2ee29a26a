package ipam

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// An importer maps the data rows of one export layout onto raw values.
// Read chooses one (see choose) and does everything the layouts share:
// decoding, line numbers, address, prefix and host name checks, VRF filter.
// A layout of address rows is an addressImporter, one of prefix rows a
// prefixImporter.
type importer interface {
	// format is the format reported in Export.Format.
	format() Format
	// pick copies the trimmed text of the mapped columns of one data row
	// into v. It normalises the VRF: "" for the global table.
	pick(fields []string, v *raw)
	// status maps the layout's status text to a Status.
	status(text string) (Status, error)
}

// An addressImporter reads address rows (Export.Records).
type addressImporter interface {
	importer
	// addr parses the address column.
	addr(text string) (netip.Addr, netip.Prefix, error)
}

// A prefixImporter reads prefix rows (Export.PrefixRecords).
type prefixImporter interface {
	importer
	// block parses the row's prefix from the picked columns (v.prefix,
	// and v.mask where the layout has one). skip is a row that names no
	// block and is no error (a phpIPAM folder): it is ignored.
	block(v *raw) (p netip.Prefix, skip bool, err error)
}

// raw holds the text of the columns a layout maps, for one row. The
// strings point into the CSV reader's row and must not be kept.
type raw struct {
	addr, host, status, customer, vrf, prefix string
	// prefix rows only
	role, desc, mask, parent string
}

const (
	bufSize     = 64 << 10
	internLimit = 1 << 16 // distinct customers and VRFs kept shared
	sizeAfter   = 4096    // rows read before the record slice is sized from the input size
)

func read(r io.Reader, name string, opt Options, size int64) (*Export, error) {
	bufN := bufSize
	if size > 0 && size < bufSize {
		bufN = int(size) + 16 // no need for more than the file, small files are common
	}
	br := bufio.NewReaderSize(r, bufN)
	if err := skipBOM(br); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	first, _ := br.Peek(br.Size()) // whatever there is; a short read is fine
	var in io.Reader = br
	if crOnly(first) {
		in = bufio.NewReaderSize(crReader{br}, br.Size())
	}
	lc := &lineCounter{r: in, max: MaxLineBytes}
	cr := csv.NewReader(lc)
	cr.Comma = sniffDelimiter(first)
	// Quotes are strict: with LazyQuotes a field that starts with a quote
	// ("HQ" uplink) runs on to the next quote, rows later, and the rows
	// in between vanish. A malformed field is an error on its line.
	cr.LazyQuotes = false
	cr.ReuseRecord = true

	fields, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	if err != nil {
		return nil, readError(name, err)
	}
	line, _ := cr.FieldPos(0)
	imp, headerIsData, err := choose(opt, fields)
	if err != nil {
		return nil, Problem{File: name, Line: line, Msg: err.Error()}
	}

	d := newDecoder(name, opt, imp)
	d.size = size
	d.comma = cr.Comma
	d.lines = rowLines(fields)
	if headerIsData {
		if err := d.row(fields, line); err != nil {
			return nil, err
		}
	}
	if size > 0 && size < pipelineMin {
		free := make(chan *batch, 1)
		scan(cr, func(b *batch) bool {
			err = d.batch(b)
			free <- b
			return err == nil
		}, free)
	} else {
		// One goroutine parses CSV while this one decodes: the two take
		// about the same time.
		out, free, done := make(chan *batch, 2), make(chan *batch, 4), make(chan struct{})
		defer close(done)
		go func() {
			defer close(out)
			scan(cr, func(b *batch) bool {
				select {
				case out <- b:
					return true
				case <-done:
					return false
				}
			}, free)
		}()
		for b := range out {
			if err = d.batch(b); err != nil {
				break
			}
			select {
			case free <- b:
			default:
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if err := d.account(lc); err != nil {
		return nil, err
	}
	return d.finish(), nil
}

// account checks that every physical line of the input is a row, part of
// a row, a malformed row that was reported, or blank: whatever happens to
// the quoting, no line is dropped unreported.
func (d *decoder) account(lc *lineCounter) error {
	lines := lc.lines
	if lc.cur > 0 {
		lines++ // a last line without a newline
	}
	d.exp.Lines, d.exp.Blank = lines, lc.blank
	if lines == d.lines+lc.blank-d.blankInRows || (d.unsure && lines <= d.lines+lc.blank) {
		return nil
	}
	msg := fmt.Sprintf("the file has %d lines, but its rows account for %d and %d are blank: some lines were not read as rows", lines, d.lines, lc.blank-d.blankInRows)
	p := Problem{File: d.name, Msg: msg, IsError: true}
	if d.strict {
		return p
	}
	d.exp.Problems = append(d.exp.Problems, p)
	return nil
}

// lineCounter counts the physical lines that pass through it, and the
// empty ones ("" or a lone CR before the newline).
type lineCounter struct {
	r            io.Reader
	lines, blank int
	cur          int  // bytes of the current line so far
	curCR        bool // the current line so far is one CR
	max          int  // the longest line read; 0 = no limit
	err          error
}

// MaxLineBytes is the longest physical line Read accepts: an export row is
// a few hundred bytes, and a hostile line of gigabytes must not be held in
// memory.
const MaxLineBytes = 1 << 20

// lineTooLong is the error of a line over the limit.
type lineTooLong struct{ line, max int }

func (e *lineTooLong) Error() string {
	return fmt.Sprintf("line %d too long (limit %d bytes)", e.line, e.max)
}

func (c *lineCounter) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		n := i // bytes of the line in b
		if i < 0 {
			n = len(b)
		}
		if c.max > 0 && c.cur+n > c.max {
			c.err = &lineTooLong{line: c.lines + 1, max: c.max}
			return 0, c.err
		}
		if i < 0 {
			c.curCR = (c.cur == 0 && len(b) == 1 && b[0] == '\r')
			c.cur += len(b)
			break
		}
		if c.cur+i == 0 || (c.cur == 0 && i == 1 && b[0] == '\r') || (c.cur == 1 && c.curCR && i == 0) {
			c.blank++
		}
		c.lines++
		c.cur, c.curCR = 0, false
		b = b[i+1:]
	}
	return n, err
}

// rowLines is the number of physical lines a row's fields span.
func rowLines(fields []string) int {
	n := 1
	for _, f := range fields {
		if strings.IndexByte(f, '\n') >= 0 {
			n += strings.Count(f, "\n")
		}
	}
	return n
}

// rowInside returns how many lines after the row's first a line inside one
// of its quoted fields starts that looks like a row: one of its fields
// (split at comma) is an IP address, with or without a prefix length. It
// returns 0 when none does.
func rowInside(fields []string, comma rune) int {
	off := 0 // lines before the field
	for _, f := range fields {
		if strings.IndexByte(f, '\n') < 0 {
			continue
		}
		for i, line := range strings.Split(f, "\n") {
			if i == 0 {
				continue
			}
			for _, tok := range strings.Split(line, string(comma)) {
				tok = strings.Trim(strings.TrimSpace(tok), `"`)
				if tok == "" || len(tok) > 64 || !strings.ContainsAny(tok, ".:") {
					continue
				}
				if _, err := netip.ParseAddr(tok); err == nil {
					return off + i
				}
				if _, err := netip.ParsePrefix(tok); err == nil {
					return off + i
				}
			}
		}
		off += strings.Count(f, "\n")
	}
	return 0
}

// blankInFields counts the empty physical lines inside quoted fields, which
// lineCounter counts as blank too.
func blankInFields(fields []string) int {
	n := 0
	for _, f := range fields {
		if strings.IndexByte(f, '\n') >= 0 {
			n += strings.Count(f, "\n\n")
			for i := 0; i+2 < len(f); i++ {
				if f[i] == '\n' && f[i+1] == '\n' && f[i+2] == '\n' {
					n++ // Count does not overlap
				}
			}
		}
	}
	return n
}

// pipelineMin is the input size from which reading and decoding run in
// two goroutines; an input of unknown size is taken to be large.
const pipelineMin = 256 << 10

// batch carries rows from scan to the decoder.
type batch struct {
	fields []string // the fields of the rows, one row after the other
	rows   []batchRow
	offset int64 // input offset after the last row
	err    error // a read error, which ends the input
}

type batchRow struct {
	line  int    // the row's first line
	lines int    // the physical lines it spans
	blank int    // how many of those are empty lines inside a quoted field
	end   int    // the row's fields end at fields[end]
	msg   string // why the CSV reader refused the row, or ""
}

const batchRows = 256

// scan reads the rows after the first in batches of batchRows and hands
// each to emit, until the end of the input, a read error (in the last
// batch), or emit returns false. It reuses the batches it gets back on free.
func scan(cr *csv.Reader, emit func(*batch) bool, free <-chan *batch) {
	b := &batch{}
	send := func() bool {
		b.offset = cr.InputOffset()
		if !emit(b) {
			return false
		}
		select {
		case b = <-free:
			b.fields, b.rows, b.err = b.fields[:0], b.rows[:0], nil
		default:
			b = &batch{}
		}
		return true
	}
	for {
		fields, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				b.err = err
				break
			}
			row := batchRow{line: pe.StartLine, end: len(b.fields), lines: pe.Line - pe.StartLine + 1}
			switch {
			case errors.Is(pe.Err, csv.ErrFieldCount):
				row.msg = fmt.Sprintf("%d fields where the first line has %d", len(fields), cr.FieldsPerRecord)
				row.lines, row.blank = rowLines(fields), blankInFields(fields)
				if row.lines > 1 {
					row.msg += fmt.Sprintf(" (a quoted field holds line breaks: the row spans lines %d-%d)", pe.StartLine, pe.StartLine+row.lines-1)
				}
			case pe.Line > pe.StartLine:
				// a quote opened on StartLine and never closed well: the
				// lines up to the error are inside it
				row.msg = fmt.Sprintf("line %d, column %d: %v: the quoted field that starts on line %d runs to line %d; lines %d-%d skipped",
					pe.Line, pe.Column, pe.Err, pe.StartLine, pe.Line, pe.StartLine, pe.Line)
				row.blank = -1 // unknown: account does not count them
			default:
				row.msg = fmt.Sprintf("column %d: %v", pe.Column, pe.Err)
			}
			b.rows = append(b.rows, row)
		} else {
			line, _ := cr.FieldPos(0)
			b.fields = append(b.fields, fields...)
			b.rows = append(b.rows, batchRow{line: line, end: len(b.fields), lines: rowLines(fields), blank: blankInFields(fields)})
		}
		if len(b.rows) == batchRows && !send() {
			return
		}
	}
	if len(b.rows) > 0 || b.err != nil {
		send()
	}
}

// skipBOM drops a UTF-8 byte-order mark and refuses UTF-16 text.
func skipBOM(br *bufio.Reader) error {
	b, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(b, []byte("\xef\xbb\xbf")):
		_, err := br.Discard(3)
		return err
	case bytes.HasPrefix(b, []byte("\xff\xfe")), bytes.HasPrefix(b, []byte("\xfe\xff")):
		return errors.New("UTF-16 text; save the export as UTF-8 CSV")
	}
	return nil
}

// crOnly reports whether b's first line ends in a lone CR: a file with
// classic Mac line ends (Excel for Mac's "CSV (Macintosh)"), which
// encoding/csv would read as one line.
func crOnly(b []byte) bool {
	i := bytes.IndexAny(b, "\r\n")
	return i >= 0 && b[i] == '\r' && (i+1 == len(b) || b[i+1] != '\n')
}

// crReader turns every CR into LF.
type crReader struct{ r io.Reader }

func (c crReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := range p[:n] {
		if p[i] == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// sniffDelimiter picks the delimiter from the first line of b: the most
// frequent of ',', ';' and tab outside double quotes, preferring ',' and
// then ';' on a tie.
func sniffDelimiter(b []byte) rune {
	var comma, semi, tab int
	quoted := false
scan:
	for _, c := range b {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		switch c {
		case '\n', '\r':
			break scan
		case ',':
			comma++
		case ';':
			semi++
		case '\t':
			tab++
		}
	}
	switch {
	case comma >= semi && comma >= tab:
		return ','
	case semi >= tab:
		return ';'
	}
	return '\t'
}

// decoder turns data rows into the Export.
type decoder struct {
	name   string
	strict bool
	imp    importer
	exp    Export
	rows   int // data rows seen, any outcome

	comma       rune // the delimiter
	lines       int  // physical lines the rows seen span (header included)
	blankInRows int  // empty lines inside quoted fields
	unsure      bool // a broken quoted field hid lines of unknown kind

	size     int64 // the input's size, or 0
	presized bool

	addrs  addressImporter // one of these two is set
	blocks prefixImporter
	roles  map[string]string
	// parents are the (VRF, prefix) pairs other prefix rows name as
	// their parent (phpIPAM's Master Subnet): containers
	parents map[vrfPrefix]struct{}

	wantGlobal   bool
	wantVRFs     []string
	vrfs         map[string]vrfEntry // VRF text as picked -> kept name, wanted
	customers    map[string]string
	lastCustomer string

	lastPrefixText []byte // the last prefix column text and its parse
	lastPrefix     netip.Prefix
	lastPrefixErr  error
	lastAdded      netip.Prefix // the last prefix put in prefixes
	prefixes       map[netip.Prefix]struct{}

	v raw
}

type vrfEntry struct {
	name string
	want bool
}

func newDecoder(name string, opt Options, imp importer) *decoder {
	d := &decoder{
		name:      name,
		strict:    opt.Strict,
		imp:       imp,
		exp:       Export{Format: imp.format()},
		vrfs:      map[string]vrfEntry{},
		customers: map[string]string{},
		prefixes:  map[netip.Prefix]struct{}{},
	}
	switch imp := imp.(type) {
	case prefixImporter:
		d.blocks = imp
		d.roles = map[string]string{}
	case addressImporter:
		d.addrs = imp
	}
	if len(opt.VRFs) == 0 {
		d.wantGlobal = true
	}
	for _, v := range opt.VRFs {
		v = strings.TrimSpace(v)
		if v == "" || strings.EqualFold(v, "global") {
			d.wantGlobal = true
			continue
		}
		d.wantVRFs = append(d.wantVRFs, v)
	}
	return d
}

// batch decodes the rows of b. A non-nil error ends the read.
func (d *decoder) batch(b *batch) error {
	start := 0
	for _, r := range b.rows {
		var err error
		d.lines += r.lines
		if r.blank > 0 {
			d.blankInRows += r.blank
		} else if r.blank < 0 {
			d.unsure = true
		}
		switch {
		case r.msg != "":
			err = d.malformed(r.line, r.msg)
		case r.lines > 1:
			// Legal CSV (a description of several lines), but also how
			// an unbalanced quote hides rows: a quoted field whose lines
			// look like rows of the export is an error.
			fields := b.fields[start:r.end]
			if at := rowInside(fields, d.comma); at > 0 {
				msg := fmt.Sprintf("one row spans lines %d-%d: a quoted field holds line breaks, and line %d inside it looks like a row of its own (an unbalanced quote?); it is not read as a row",
					r.line, r.line+r.lines-1, r.line+at)
				err = d.incomplete(r.line, msg)
			}
			if err == nil {
				err = d.row(fields, r.line)
			}
		default:
			err = d.row(b.fields[start:r.end], r.line)
		}
		if err != nil {
			return err
		}
		start = r.end
	}
	if b.err != nil {
		return readError(d.name, b.err)
	}
	if !d.presized && d.rows >= sizeAfter && d.size > 0 {
		d.presize(d.size, b.offset)
	}
	return nil
}

// row decodes one data row. A non-nil error ends the read.
func (d *decoder) row(fields []string, line int) error {
	d.rows++
	if allEmpty(fields) {
		return nil
	}
	v := &d.v
	d.imp.pick(fields, v)
	vrf, want := d.vrf(v.vrf)
	if !want {
		d.exp.Skipped++
		return nil
	}
	if d.blocks != nil {
		return d.prefixRow(v, vrf, line)
	}
	addr, prefix, err := d.addrs.addr(v.addr)
	if err != nil {
		return d.malformed(line, err.Error())
	}
	st, err := d.imp.status(v.status)
	if err != nil {
		return d.malformed(line, err.Error())
	}
	rec := Record{Addr: addr, Status: st, VRF: vrf, Line: int32(line), Customer: d.customer(v.customer)}
	if v.prefix != "" {
		p, ok, err := d.prefix(v.prefix, addr, line)
		if err != nil {
			return err
		}
		if ok {
			prefix = p
		}
	}
	if prefix.IsValid() {
		rec.SetPrefix(prefix)
		if prefix != d.lastAdded {
			d.prefixes[prefix] = struct{}{}
			d.lastAdded = prefix
		}
	}
	if v.host != "" {
		rec.Hostname = d.hostname(v.host, line)
	}
	d.exp.Records = append(d.exp.Records, rec)
	return nil
}

func allEmpty(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// malformed reports a row that is skipped, or with Strict the fatal error.
func (d *decoder) malformed(line int, msg string) error {
	p := Problem{File: d.name, Line: line, Msg: msg, IsError: true}
	if d.strict {
		return p
	}
	p.Msg += "; row skipped"
	d.exp.Problems = append(d.exp.Problems, p)
	return nil
}

// incomplete reports a row read in part (or that may hide others), or with
// Strict the fatal error.
func (d *decoder) incomplete(line int, msg string) error {
	p := Problem{File: d.name, Line: line, Msg: msg, IsError: true}
	if d.strict {
		return p
	}
	d.exp.Problems = append(d.exp.Problems, p)
	return nil
}

func (d *decoder) warn(line int, msg string) {
	d.exp.Problems = append(d.exp.Problems, Problem{File: d.name, Line: line, Msg: msg})
}

// vrf returns the shared copy of a VRF name and whether its rows are kept.
func (d *decoder) vrf(s string) (string, bool) {
	if s == "" {
		return "", d.wantGlobal
	}
	if e, ok := d.vrfs[s]; ok {
		return e.name, e.want
	}
	e := vrfEntry{name: strings.Clone(s)}
	for _, w := range d.wantVRFs {
		if strings.EqualFold(w, s) {
			e.want = true
			break
		}
	}
	if len(d.vrfs) < internLimit {
		d.vrfs[e.name] = e
	}
	return e.name, e.want
}

// customer returns a shared copy of s, so that a million rows of a few
// thousand customers hold a few thousand strings.
func (d *decoder) customer(s string) string {
	if s == "" {
		return ""
	}
	if s == d.lastCustomer {
		return d.lastCustomer
	}
	c, ok := d.customers[s]
	if !ok {
		c = strings.Clone(s)
		if len(d.customers) < internLimit {
			d.customers[c] = c
		}
	}
	d.lastCustomer = c
	return c
}

// prefix parses a prefix column that should contain addr. Rows come
// grouped by subnet, so the last parse is kept.
func (d *decoder) prefix(s string, addr netip.Addr, line int) (netip.Prefix, bool, error) {
	if s != string(d.lastPrefixText) {
		p, err := rdns.ParsePrefix(s)
		d.lastPrefixText = append(d.lastPrefixText[:0], s...)
		d.lastPrefix, d.lastPrefixErr = p, err
	}
	switch {
	case d.lastPrefixErr != nil:
		// A prefix with host bits set is not masked into a network: the
		// managed space would be a guess. The row is kept without it, but
		// the read counts as one with errors (Export.HasErrors).
		if err := d.incomplete(line, fmt.Sprintf("prefix column: %v; prefix ignored", d.lastPrefixErr)); err != nil {
			return netip.Prefix{}, false, err
		}
		return netip.Prefix{}, false, nil
	case !d.lastPrefix.Contains(addr):
		d.warn(line, fmt.Sprintf("prefix %s does not contain %s; prefix ignored", d.lastPrefix, addr))
		return netip.Prefix{}, false, nil
	}
	return d.lastPrefix, true, nil
}

// hostname checks s and returns it in canonical form, or "" with a warning.
func (d *decoder) hostname(s string, line int) string {
	if err := rdns.CheckHostname(s); err != nil {
		d.warn(line, fmt.Sprintf("host name %s ignored: %v", rdns.Quote(s, 80), err))
		return ""
	}
	if strings.IndexByte(strings.TrimSuffix(s, "."), '.') < 0 {
		d.warn(line, fmt.Sprintf("host name %s ignored: it has no domain", rdns.Quote(s, 80)))
		return ""
	}
	return canonicalHostname(s)
}

// canonicalHostname is rdns.CanonicalHostname in one allocation that
// shares no memory with s: s points into a CSV row, which must not be kept
// alive.
func canonicalHostname(s string) string {
	var buf [256]byte
	return string(rdns.AppendCanonicalHostname(buf[:0], s))
}

// presize grows the record slice once, to what the rest of the input will
// need at the rate seen so far, so that a large file is not copied over and
// over as the slice grows.
func (d *decoder) presize(size, offset int64) {
	d.presized = true
	if offset <= 0 || size <= offset {
		return
	}
	if d.blocks != nil {
		d.exp.PrefixRecords = grow(d.exp.PrefixRecords, size, offset)
		return
	}
	d.exp.Records = grow(d.exp.Records, size, offset)
}

// grow grows s to what the rest of the input will need at the rate seen so
// far (offset bytes gave len(s) rows).
func grow[S ~[]E, E any](s S, size, offset int64) S {
	n := len(s)
	est := int(float64(n)*float64(size)/float64(offset)*1.02) + 64
	if est > cap(s) {
		s = slices.Grow(s, est-n)
	}
	return s
}

// finish returns the Export, in memory of its own: the decoder, with its
// maps and the last row, is left to the garbage collector.
func (d *decoder) finish() *Export {
	e := new(Export)
	*e = d.exp
	if n := len(e.Records); cap(e.Records)-n > n/8+1024 {
		e.Records = slices.Clone(e.Records)
	}
	if n := len(e.PrefixRecords); cap(e.PrefixRecords)-n > n/8+1024 {
		e.PrefixRecords = slices.Clone(e.PrefixRecords)
	}
	d.markParents(e.PrefixRecords)
	e.Sources = []Source{{File: d.name, Format: e.Format, Records: len(e.Records), PrefixRecords: len(e.PrefixRecords), PrefixExport: d.blocks != nil}}
	if len(d.prefixes) > 0 {
		e.Prefixes = make([]netip.Prefix, 0, len(d.prefixes))
		for p := range d.prefixes {
			e.Prefixes = append(e.Prefixes, p)
		}
		slices.SortFunc(e.Prefixes, netip.Prefix.Compare)
	}
	return e
}

// parseAddr parses an address, with a prefix length when withLen allows it
// (which then gives the containing prefix). Zones are refused: reverse DNS
// has none.
func parseAddr(s string, withLen bool) (netip.Addr, netip.Prefix, error) {
	if s == "" {
		return netip.Addr{}, netip.Prefix{}, errors.New("empty address")
	}
	if strings.IndexByte(s, '/') >= 0 {
		if !withLen {
			return netip.Addr{}, netip.Prefix{}, fmt.Errorf("address %s has a prefix length", rdns.Quote(s, 80))
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Addr{}, netip.Prefix{}, fmt.Errorf("bad address %s", rdns.Quote(s, 80))
		}
		addr, prefix := p.Addr().Unmap(), unmapPrefix(p).Masked()
		if !prefix.Contains(addr) { // an IPv4-mapped address with a length under /96
			prefix = netip.Prefix{}
		}
		return addr, prefix, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, netip.Prefix{}, fmt.Errorf("bad address %s", rdns.Quote(s, 80))
	}
	if a.Zone() != "" {
		return netip.Addr{}, netip.Prefix{}, fmt.Errorf("address %s has a zone", rdns.Quote(s, 80))
	}
	return a.Unmap(), netip.Prefix{}, nil
}

// unmapPrefix turns an IPv4-mapped IPv6 prefix of /96 or longer into the
// IPv4 prefix it maps.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// readError names the file of an error reading it, and the line of a line
// over the limit (a Problem: FILE:LINE: line too long (limit N bytes)).
func readError(name string, err error) error {
	var lt *lineTooLong
	if errors.As(err, &lt) {
		return Problem{File: name, Line: lt.line, Msg: fmt.Sprintf("line too long (limit %d bytes)", lt.max), IsError: true}
	}
	return fmt.Errorf("%s: %w", name, err)
}
