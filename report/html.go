package report

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rdnsctl/rdnsctl/audit"
	"github.com/rdnsctl/rdnsctl/fcrdns"
)

// HTML is the self-contained HTML report (audit and fcrdns).
const HTML Format = "html"

//go:embed html/page.tmpl html/style.css html/map.js
var htmlFiles embed.FS

var pageTmpl = template.Must(template.New("page.tmpl").Funcs(template.FuncMap{
	"pct": func(n, of int) string {
		if of <= 0 {
			return "0"
		}
		return strconv.FormatFloat(100*float64(n)/float64(of), 'f', 2, 64)
	},
	"num": func(n int) string { return thousands(n) },
}).ParseFS(htmlFiles, "html/page.tmpl"))

var (
	pageCSS = mustRead("html/style.css")
	pageJS  = mustRead("html/map.js")
)

func mustRead(name string) string {
	b, err := htmlFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// HTMLReport is everything the page shows. The page embeds the -o json
// document of the same run (written by JSON, the renderer -o json uses) and
// the map's data; the summary and the findings table are plain HTML, so
// they read without JavaScript.
type HTMLReport struct {
	// Kind is "audit" or "fcrdns".
	Kind       string
	Generated  time.Time
	Elapsed    time.Duration
	Version    string
	Command    string
	ExitStatus int
	Inputs     []HTMLInput
	// JSON writes the run's -o json document.
	JSON func(io.Writer) error
	// Findings of the audit (nil for fcrdns alone); Info says which are
	// info-only, counted and listed apart.
	Findings []audit.Finding
	// Summary counts findings by category (the JSON summary's numbers).
	Summary map[string]int
	// Rows is the findings table: the same rows as -o table and -o csv.
	Rows Rows
	// FCrDNS verdicts laid over the map, when given.
	FCrDNS        []fcrdns.Result
	FCrDNSSummary *fcrdns.Summary
	Map           *AddrMap
}

// HTMLInput is one input of the run, as the summary lists it.
type HTMLInput struct {
	Kind   string // zones, ipam, fcrdns
	Path   string
	Detail string // e.g. "4,096 zones, 1,048,576 PTRs" or the file's date
}

type pageCount struct {
	Name  string
	Count int
	Info  bool
}

type pageSeg struct {
	Name  string
	Count int
	Width string
}

type pageBar struct {
	Prefix string
	Total  int
	Width  string
	Segs   []pageSeg
}

type pageLegend struct {
	Name  string
	Label string
	Count int
}

type pageRow struct {
	Cells []string
	Cat   string
}

type page struct {
	R         *HTMLReport
	Title     string
	Generated string
	Elapsed   string
	Counts    []pageCount
	Total     int
	InfoTotal int
	Bars      []pageBar
	BarsMore  int
	Legend    []pageLegend
	V6Legend  []pageLegend
	Marks     []pageLegend
	Header    []string
	Rows      []pageRow
	InfoRows  []pageRow
	PassRate  string
	TableOpen bool
	Data      template.JS
	MapData   template.JS
	CSS       template.CSS
	Script    template.JS
}

var legendLabels = map[string]string{
	"free":         "free, no PTR",
	"checked":      "checked by fcrdns",
	"default":      "default PTR",
	"custom-match": "custom PTR, consistent with IPAM",
	"delegated":    "delegated (child zone not loaded)",
	"orphan":       "orphan (outside IPAM's prefixes)",
	"unmanaged":    "unmanaged (no zone covers it)",
	"missing":      "missing PTR",
	"stale":        "stale PTR",
	"mismatch":     "mismatch with IPAM",
	"duplicate":    "duplicate PTRs",
	"invalid":      "invalid PTR target",
}

// WriteHTML writes the report as one self-contained HTML page.
func WriteHTML(w io.Writer, r *HTMLReport) error {
	var js bytes.Buffer
	if r.JSON != nil {
		if err := r.JSON(&js); err != nil {
			return err
		}
	}
	p := &page{
		R:         r,
		Title:     "rdnsctl " + r.Kind + " report",
		Generated: r.Generated.UTC().Format("2006-01-02 15:04:05 UTC"),
		Elapsed:   r.Elapsed.Round(time.Millisecond).String(),
		Data:      template.JS(scriptSafe(compact(js.Bytes()))),
		CSS:       template.CSS(pageCSS),
		Script:    template.JS(pageJS),
	}
	m := r.Map
	if m == nil {
		m = BuildMap(MapInput{})
	}
	mj, err := json.Marshal(m)
	if err != nil {
		return err
	}
	p.MapData = template.JS(scriptSafe(mj))

	// counts per category, report order
	for _, c := range audit.Categories {
		n, ok := r.Summary[string(c)]
		if !ok {
			continue
		}
		p.Counts = append(p.Counts, pageCount{string(c), n, c.Info()})
		if c.Info() {
			p.InfoTotal += n
		} else {
			p.Total += n
		}
	}
	// the legend: every state the mode can show, worst first
	for st := numCellStates - 1; st > CellOutside; st-- {
		name := st.String()
		if m.Mode == "fcrdns" && st != CellUnaudited && st != CellFree {
			continue
		}
		if m.Mode != "fcrdns" && st == CellUnaudited {
			continue
		}
		p.Legend = append(p.Legend, pageLegend{name, legendLabels[name], m.Counts[name]})
		if len(m.V6) > 0 {
			p.V6Legend = append(p.V6Legend, pageLegend{name, legendLabels[name], m.V6Counts[name]})
		}
	}
	if len(r.FCrDNS) > 0 {
		for _, k := range []string{"pass", "fail", "error"} {
			p.Marks = append(p.Marks, pageLegend{k, "FCrDNS " + k, m.Marks[k]})
		}
	}
	if s := r.FCrDNSSummary; s != nil {
		if d := s.Total - s.Error; d > 0 {
			p.PassRate = fmt.Sprintf("%.1f%% (%s of %s verified; %s unknown)", 100*float64(s.Pass)/float64(d), thousands(s.Pass), thousands(d), thousands(s.Error))
		} else {
			p.PassRate = fmt.Sprintf("nothing verified (%s unknown)", thousands(s.Error))
		}
	}
	p.Bars, p.BarsMore = bars(r, m)

	// the findings table
	p.Header = r.Rows.Header
	catCol := slices.Index(r.Rows.Header, "category")
	if catCol < 0 {
		catCol = slices.Index(r.Rows.Header, "verdict")
	}
	info := map[string]bool{}
	for _, c := range audit.Categories {
		info[string(c)] = c.Info()
	}
	for _, row := range r.Rows.Rows {
		pr := pageRow{Cells: row}
		if catCol >= 0 && catCol < len(row) {
			pr.Cat = row[catCol]
		}
		if info[pr.Cat] {
			p.InfoRows = append(p.InfoRows, pr)
		} else {
			p.Rows = append(p.Rows, pr)
		}
	}
	p.TableOpen = len(p.Rows) <= openRows
	bw := bufio.NewWriterSize(w, 256<<10)
	if err := pageTmpl.Execute(bw, p); err != nil {
		return err
	}
	return bw.Flush()
}

// compact drops the indentation of the JSON document: the same values in
// about two thirds of the bytes.
func compact(b []byte) []byte {
	var c bytes.Buffer
	c.Grow(len(b))
	if err := json.Compact(&c, b); err != nil {
		return bytes.TrimSpace(b)
	}
	return c.Bytes()
}

// scriptSafe makes a JSON document safe inside <script>: '<', '>' and '&'
// occur in JSON only inside strings, where \u003c is the same character, so
// the document reads back identically and can never close the element.
func scriptSafe(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + 64)
	for _, c := range b {
		switch c {
		case '<':
			sb.WriteString(`\u003c`)
		case '>':
			sb.WriteString(`\u003e`)
		case '&':
			sb.WriteString(`\u0026`)
		default:
			sb.WriteByte(c)
		}
	}
	// U+2028 and U+2029 are fine in JSON and in a JSON script block
	return sb.String()
}

// openRows is the largest findings table shown open: the browser lays out
// an open table of 10,000 rows for seconds (a closed <details> is not laid
// out until it is opened, and opening it needs no script).
const openRows = 2000

// maxBars bounds the per-prefix bars: the prefixes with most findings.
const maxBars = 48

// bars counts findings per managed prefix (the map's groups; IPv6 per /48;
// anything else under "other"), stacked by category.
func bars(r *HTMLReport, m *AddrMap) ([]pageBar, int) {
	type acc struct {
		key   string
		order int
		n     map[string]int
		total int
	}
	var groups []netip.Prefix
	for _, g := range m.Groups {
		groups = append(groups, netip.MustParsePrefix(g.Prefix))
	}
	byKey := map[string]*acc{}
	add := func(a netip.Addr, cat string) {
		key, order := "", len(groups)
		if a.Is4() {
			i, found := slices.BinarySearchFunc(groups, a, func(p netip.Prefix, a netip.Addr) int { return p.Addr().Compare(a) })
			if !found {
				i--
			}
			if i >= 0 && groups[i].Contains(a) {
				key, order = groups[i].String(), i
			}
		} else {
			p, _ := a.Prefix(48)
			key, order = p.String(), len(groups)+1
		}
		if key == "" {
			key, order = "other", len(groups)+2
		}
		x := byKey[key]
		if x == nil {
			x = &acc{key: key, order: order, n: map[string]int{}}
			byKey[key] = x
		}
		x.n[cat]++
		x.total++
	}
	var cats []string
	if r.Findings != nil {
		for _, f := range r.Findings {
			if !f.Category.Info() {
				add(f.Addr, string(f.Category))
			}
		}
		for _, c := range audit.Categories {
			if !c.Info() {
				cats = append(cats, string(c))
			}
		}
	} else {
		for _, x := range r.FCrDNS {
			if x.Verdict != fcrdns.Pass {
				add(x.IP, string(x.Verdict))
			}
		}
		cats = []string{string(fcrdns.NoPTR), string(fcrdns.NoForward), string(fcrdns.Mismatch), string(fcrdns.MultiPTR), string(fcrdns.Error)}
	}
	all := make([]*acc, 0, len(byKey))
	for _, x := range byKey {
		all = append(all, x)
	}
	more := 0
	if len(all) > maxBars {
		slices.SortFunc(all, func(x, y *acc) int {
			if x.total != y.total {
				return y.total - x.total
			}
			return x.order - y.order
		})
		more = len(all) - maxBars
		all = all[:maxBars]
	}
	slices.SortFunc(all, func(x, y *acc) int {
		if x.order != y.order {
			return x.order - y.order
		}
		return strings.Compare(x.key, y.key)
	})
	top := 0
	for _, x := range all {
		top = max(top, x.total)
	}
	var out []pageBar
	for _, x := range all {
		b := pageBar{Prefix: x.key, Total: x.total, Width: pctOf(x.total, top)}
		for _, c := range cats {
			if n := x.n[c]; n > 0 {
				b.Segs = append(b.Segs, pageSeg{c, n, pctOf(n, x.total)})
			}
		}
		out = append(out, b)
	}
	return out, more
}

func pctOf(n, of int) string {
	if of <= 0 {
		return "0"
	}
	return strconv.FormatFloat(100*float64(n)/float64(of), 'f', 2, 64)
}

// thousands writes 1048576 as 1,048,576.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
