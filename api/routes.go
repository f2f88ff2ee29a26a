package api

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/lifecycle"
	"github.com/rdnsctl/rdnsctl/rdns"
)

// Route is one endpoint: the handler table and the OpenAPI document are
// both made from Routes, so they cannot disagree.
type Route struct {
	Name, Method, Path string
	Summary            string
	Auth               bool  // needs a token
	Write              bool  // changes zones: read-only tokens get 403
	MaxBody            int64 // 0: no body
	Statuses           []int
	// Query are the query parameters, Body the schema of the request body
	// (a name in components.schemas), for the OpenAPI document.
	Query []Param
	Body  string
}

// Param is a query parameter.
type Param struct {
	Name, Type, Description string
}

const (
	maxBody       = 1 << 20
	maxEventsBody = 16 << 20
)

var writeStatuses = []int{200, 400, 401, 403, 404, 409, 412, 413, 422, 429, 502, 503}

// Routes are every endpoint of the API.
var Routes = []Route{
	{Name: "ptr.create", Method: "POST", Path: "/api/v1/ptr", Summary: "Set a custom PTR (validated forward first, by default)", Auth: true, Write: true, MaxBody: maxBody, Statuses: writeStatuses, Body: "SetRequest"},
	{Name: "ptr.put", Method: "PUT", Path: "/api/v1/ptr/{ip}", Summary: "Set a custom PTR (idempotent twin of POST)", Auth: true, Write: true, MaxBody: maxBody, Statuses: writeStatuses, Body: "PutRequest"},
	{Name: "ptr.get", Method: "GET", Path: "/api/v1/ptr/{ip}", Summary: "The PTRs of one address, with an ETag", Auth: true, Statuses: []int{200, 400, 401, 404, 429}},
	{Name: "ptr.list", Method: "GET", Path: "/api/v1/ptr", Summary: "The PTRs of a prefix, paginated", Auth: true, Statuses: []int{200, 400, 401, 429},
		Query: []Param{{"prefix", "string", "a CIDR block (host bits refused)"}, {"custom", "boolean", "only addresses whose PTR is not the default"},
			{"limit", "integer", "1 to 1000 (default 100)"}, {"offset", "integer", "from 0"}}},
	{Name: "ptr.delete", Method: "DELETE", Path: "/api/v1/ptr/{ip}", Summary: "Back to the default PTR (or none, per deprovision:)", Auth: true, Write: true, Statuses: []int{200, 400, 401, 403, 404, 409, 412, 422, 429, 502, 503}},
	{Name: "events", Method: "POST", Path: "/api/v1/events", Summary: "A batch of lifecycle events, all or nothing (?dry_run=true: the plan only)", Auth: true, Write: true, MaxBody: maxEventsBody, Statuses: []int{200, 400, 401, 403, 404, 409, 413, 422, 429, 502, 503},
		Query: []Param{{"dry_run", "boolean", "return the plan and write nothing"}}, Body: "Events"},
	{Name: "log", Method: "GET", Path: "/api/v1/log", Summary: "Journal entries, newest first", Auth: true, Statuses: []int{200, 400, 401, 429},
		Query: []Param{{"ip", "string", "an address or CIDR block"}, {"since", "string", "a duration (90m, 36h, 7d) or a date (2026-11-01, RFC 3339)"}, {"limit", "integer", "1 to 1000 (default 100)"}}},
	{Name: "fcrdns", Method: "GET", Path: "/api/v1/fcrdns/{ip}", Summary: "One FCrDNS verdict", Auth: true, Statuses: []int{200, 400, 401, 429, 503}},
	{Name: "livez", Method: "GET", Path: "/livez", Summary: "The process is alive", Statuses: []int{200}},
	{Name: "readyz", Method: "GET", Path: "/readyz", Summary: "Zones loaded, lock obtainable, resolvers and servers answer", Statuses: []int{200, 503}},
	{Name: "metrics", Method: "GET", Path: "/metrics", Summary: "Prometheus metrics", Statuses: []int{200}},
	{Name: "openapi", Method: "GET", Path: "/api/v1/openapi.json", Summary: "This API as an OpenAPI 3 document", Statuses: []int{200}},
}

func (s *Server) handler(name string) http.HandlerFunc {
	switch name {
	case "ptr.create":
		return s.setPTR(false)
	case "ptr.put":
		return s.setPTR(true)
	case "ptr.get":
		return s.getPTR
	case "ptr.list":
		return s.listPTR
	case "ptr.delete":
		return s.deletePTR
	case "events":
		return s.events
	case "log":
		return s.log
	case "fcrdns":
		return s.fcrdns
	case "livez":
		return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) }
	case "readyz":
		return s.readyz
	case "metrics":
		return func(w http.ResponseWriter, r *http.Request) { s.m.handler.ServeHTTP(w, r) }
	case "openapi":
		return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, OpenAPI()) }
	}
	panic("no handler for " + name)
}

// addrParam parses an address (never a prefix: events and PTRs are per
// address).
func addrParam(field, s string) (netip.Addr, *Error) {
	a, err := rdns.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, &Error{Status: http.StatusBadRequest, Code: "bad_request", Detail: err.Error(), Invalid: []Invalid{{Field: field, Reason: err.Error()}}}
	}
	return a, nil
}

func (s *Server) inScope(w http.ResponseWriter, r *http.Request, addrs ...netip.Addr) bool {
	t := callerOf(r).tok
	if t == nil {
		return true
	}
	for _, a := range addrs {
		if !t.May(a) {
			writeProblem(w, Errorf(http.StatusForbidden, "out_of_scope", "token "+t.Name+" may not change "+a.String()))
			return false
		}
	}
	return true
}

type setBody struct {
	IP              *string `json:"ip,omitempty"`
	Hostname        string  `json:"hostname"`
	ValidateForward *bool   `json:"validate_forward,omitempty"`
	Customer        string  `json:"customer,omitempty"`
	Ticket          string  `json:"ticket,omitempty"`
}

func (s *Server) setPTR(put bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var b setBody
		if e := decode(r, &b); e != nil {
			writeProblem(w, e)
			return
		}
		ipText := r.PathValue("ip")
		switch {
		case put && b.IP != nil:
			writeProblem(w, &Error{Status: 400, Code: "bad_request", Detail: "the address is in the path", Invalid: []Invalid{{Field: "ip", Reason: "not allowed in PUT's body"}}})
			return
		case !put && b.IP == nil:
			writeProblem(w, &Error{Status: 422, Code: "invalid", Detail: "ip is required", Invalid: []Invalid{{Field: "ip", Reason: "required"}}})
			return
		case !put:
			ipText = *b.IP
		}
		ip, e := addrParam("ip", ipText)
		if e != nil {
			if !put {
				e.Status = 422
				e.Code = "invalid"
			}
			writeProblem(w, e)
			return
		}
		if b.Hostname == "" {
			writeProblem(w, &Error{Status: 422, Code: "invalid_hostname", Detail: "hostname is required", Invalid: []Invalid{{Field: "hostname", Reason: "required"}}})
			return
		}
		if err := rdns.CheckHostname(b.Hostname); err != nil {
			s.m.refusals.WithLabelValues("invalid_hostname").Inc()
			writeProblem(w, &Error{Status: 422, Code: "invalid_hostname", Detail: err.Error(), Invalid: []Invalid{{Field: "hostname", Reason: err.Error()}}})
			return
		}
		if !s.inScope(w, r, ip) {
			return
		}
		validate := b.ValidateForward == nil || *b.ValidateForward
		res, err := s.svc.Set(r.Context(), SetRequest{IP: ip, Hostname: b.Hostname, ValidateForward: validate, Customer: b.Customer, Ticket: b.Ticket,
			IfMatch: r.Header.Get("If-Match"), Caller: Caller{Name: callerOf(r).name()}})
		if err != nil {
			s.fail(w, err)
			return
		}
		if res.Status == "changed" {
			s.m.Applied(1)
		}
		writeJSON(w, 200, res)
	}
}

func (s *Server) getPTR(w http.ResponseWriter, r *http.Request) {
	ip, e := addrParam("ip", r.PathValue("ip"))
	if e != nil {
		writeProblem(w, e)
		return
	}
	p, err := s.svc.Get(r.Context(), ip)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("ETag", p.ETag())
	writeJSON(w, 200, p)
}

func (s *Server) listPTR(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var prefix netip.Prefix
	if v := q.Get("prefix"); v != "" {
		p, err := rdns.ParsePrefix(v)
		if err != nil {
			writeProblem(w, &Error{Status: 400, Code: "bad_request", Detail: err.Error(), Invalid: []Invalid{{Field: "prefix", Reason: err.Error()}}})
			return
		}
		prefix = p
	}
	limit, offset := 100, 0
	if e := intParam(q.Get("limit"), "limit", 1, 1000, &limit); e != nil {
		writeProblem(w, e)
		return
	}
	if e := intParam(q.Get("offset"), "offset", 0, 1<<31-1, &offset); e != nil {
		writeProblem(w, e)
		return
	}
	custom, e := boolParam(q.Get("custom"), "custom")
	if e != nil {
		writeProblem(w, e)
		return
	}
	all, err := s.svc.List(r.Context(), prefix, custom)
	if err != nil {
		s.fail(w, err)
		return
	}
	page := []PTR{}
	if offset < len(all) {
		page = all[offset:min(len(all), offset+limit)]
	}
	link := func(off int) *string {
		v := r.URL.Query()
		v.Set("offset", strconv.Itoa(off))
		v.Set("limit", strconv.Itoa(limit))
		u := r.URL.Path + "?" + v.Encode()
		return &u
	}
	doc := map[string]any{"count": len(all), "next": nil, "previous": nil, "results": page}
	if offset+limit < len(all) {
		doc["next"] = link(offset + limit)
	}
	if offset > 0 {
		doc["previous"] = link(max(0, offset-limit))
	}
	writeJSON(w, 200, doc)
}

// boolParam parses a boolean query parameter: a value that is not one
// (dry_run=yes) is refused rather than read as false, which would write.
func boolParam(v, field string) (bool, *Error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &Error{Status: 400, Code: "bad_request", Detail: field + " must be true or false", Invalid: []Invalid{{Field: field, Reason: "not a boolean"}}}
	}
	return b, nil
}

// IfMatch says whether an If-Match header (a list of entity tags, or *)
// matches etag, by the strong comparison of RFC 9110 §13.1.1: a weak tag
// never matches.
func IfMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// ParseSince reads the since of GET /api/v1/log as rdnsctl log --since
// does: a duration back from now (90m, 36h, 7d) or a date (2026-11-01,
// 2026-11-01T10:00, RFC 3339).
func ParseSince(v string, now time.Time) (time.Time, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("since %q: want a duration back from now (90m, 36h, 7d) or a date (2026-11-01, RFC 3339)", v)
}

func intParam(v, field string, lo, hi int, out *int) *Error {
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return &Error{Status: 400, Code: "bad_request", Detail: field + " must be a number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi),
			Invalid: []Invalid{{Field: field, Reason: "out of range"}}}
	}
	*out = n
	return nil
}

func (s *Server) deletePTR(w http.ResponseWriter, r *http.Request) {
	ip, e := addrParam("ip", r.PathValue("ip"))
	if e != nil {
		writeProblem(w, e)
		return
	}
	if !s.inScope(w, r, ip) {
		return
	}
	res, err := s.svc.Unset(r.Context(), ip, r.Header.Get("If-Match"), Caller{Name: callerOf(r).name()})
	if err != nil {
		s.fail(w, err)
		return
	}
	if res.Status == "changed" {
		s.m.Applied(1)
	}
	writeJSON(w, 200, res)
}

type eventBody struct {
	Event    string `json:"event"`
	IP       string `json:"ip"`
	Customer string `json:"customer,omitempty"`
	Hostname string `json:"hostname,omitempty"`
	Ticket   string `json:"ticket,omitempty"`
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Events          []eventBody `json:"events"`
		ValidateForward *bool       `json:"validate_forward,omitempty"`
	}
	if e := decode(r, &body); e != nil {
		writeProblem(w, e)
		return
	}
	if len(body.Events) == 0 {
		writeProblem(w, &Error{Status: 422, Code: "invalid", Detail: "no events", Invalid: []Invalid{{Field: "events", Reason: "empty"}}})
		return
	}
	var invalid []Invalid
	events := make([]lifecycle.Event, len(body.Events))
	var addrs []netip.Addr
	for i, b := range body.Events {
		field := "events[" + strconv.Itoa(i) + "]"
		kind := lifecycle.Kind(b.Event)
		if !slices.Contains([]lifecycle.Kind{lifecycle.Provision, lifecycle.Deprovision, lifecycle.Set, lifecycle.Unset}, kind) {
			invalid = append(invalid, Invalid{Field: field + ".event", Reason: "want provision, deprovision, set or unset"})
			continue
		}
		a, err := rdns.ParseAddr(b.IP)
		if err != nil {
			invalid = append(invalid, Invalid{Field: field + ".ip", Reason: err.Error()})
			continue
		}
		if b.Hostname != "" {
			if err := rdns.CheckHostname(b.Hostname); err != nil {
				invalid = append(invalid, Invalid{Field: field + ".hostname", Reason: err.Error()})
				continue
			}
		} else if kind == lifecycle.Set {
			invalid = append(invalid, Invalid{Field: field + ".hostname", Reason: "required for set"})
			continue
		}
		addrs = append(addrs, a)
		events[i] = lifecycle.Event{Kind: kind, IP: a.String(), Block: netip.PrefixFrom(a, a.BitLen()), Customer: b.Customer, Hostname: b.Hostname, Ticket: b.Ticket, Line: i + 1}
	}
	if len(invalid) > 0 {
		writeProblem(w, &Error{Status: 422, Code: "invalid", Detail: strconv.Itoa(len(invalid)) + " event(s) are invalid; nothing was changed", Invalid: invalid})
		return
	}
	if !s.inScope(w, r, addrs...) {
		return
	}
	dry, e := boolParam(r.URL.Query().Get("dry_run"), "dry_run")
	if e != nil {
		writeProblem(w, e)
		return
	}
	validate := body.ValidateForward == nil || *body.ValidateForward
	res, err := s.svc.Events(r.Context(), events, dry, validate, Caller{Name: callerOf(r).name()})
	if err != nil {
		s.fail(w, err)
		return
	}
	if dry {
		writeJSON(w, 200, map[string]any{"changes": nonNilChanges(res.Changes.Changes), "results": res.Results, "written": false})
		return
	}
	s.m.Applied(len(res.Changes.Changes))
	writeJSON(w, 200, map[string]any{"results": res.Results, "written": res.Written, "changes": len(res.Changes.Changes)})
}

func nonNilChanges(c []rdns.Change) []rdns.Change {
	if c == nil {
		return []rdns.Change{}
	}
	return c
}

func (s *Server) log(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var prefix netip.Prefix
	if v := q.Get("ip"); v != "" {
		p, err := rdns.ParseBlock(v)
		if err != nil {
			writeProblem(w, &Error{Status: 400, Code: "bad_request", Detail: err.Error(), Invalid: []Invalid{{Field: "ip", Reason: err.Error()}}})
			return
		}
		prefix = p
	}
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := ParseSince(v, time.Now())
		if err != nil {
			writeProblem(w, &Error{Status: 400, Code: "bad_request", Detail: err.Error(), Invalid: []Invalid{{Field: "since", Reason: "not a duration or a date"}}})
			return
		}
		since = t
	}
	limit := 100
	if e := intParam(q.Get("limit"), "limit", 1, 1000, &limit); e != nil {
		writeProblem(w, e)
		return
	}
	// a scoped token reads the journal of its own blocks only: the
	// journal names customers and tickets
	tok := callerOf(r).tok
	scoped := tok != nil && len(tok.Prefixes) > 0
	n := limit
	if scoped {
		n = math.MaxInt
	}
	entries, err := s.svc.Log(r.Context(), prefix, since, n)
	if err != nil {
		s.fail(w, err)
		return
	}
	if scoped {
		entries = slices.DeleteFunc(entries, func(e journal.Entry) bool {
			a, err := netip.ParseAddr(e.IP)
			return err != nil || !tok.May(a.Unmap())
		})
		entries = entries[:min(len(entries), limit)]
	}
	writeJSON(w, 200, map[string]any{"count": len(entries), "results": entries})
}

func (s *Server) fcrdns(w http.ResponseWriter, r *http.Request) {
	ip, e := addrParam("ip", r.PathValue("ip"))
	if e != nil {
		writeProblem(w, e)
		return
	}
	v, err := s.svc.FCrDNS(r.Context(), ip)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, 200, v)
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.Ready(r.Context()); err != nil {
		writeJSON(w, 503, map[string]string{"status": "not ready", "reason": err.Error()})
		return
	}
	writeJSON(w, 200, map[string]string{"status": "ready"})
}

// OpenAPI is the OpenAPI 3 document of Routes.
func OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range Routes {
		responses := map[string]any{}
		for _, st := range rt.Statuses {
			resp := map[string]any{"description": http.StatusText(st)}
			if st >= 400 {
				resp["content"] = map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}
			}
			responses[strconv.Itoa(st)] = resp
		}
		op := map[string]any{"operationId": rt.Name, "summary": rt.Summary, "responses": responses}
		if rt.Auth {
			op["security"] = []map[string][]string{{"bearer": {}}}
		}
		var params []map[string]any
		for _, seg := range strings.Split(rt.Path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
			}
		}
		for _, q := range rt.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": false, "description": q.Description, "schema": map[string]string{"type": q.Type}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.MaxBody > 0 {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/" + rt.Body}}}}
		}
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]string{"title": "rdnsctl", "version": "1"},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]string{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{
				"SetRequest": object([]string{"ip", "hostname"}, setProps(true)),
				"PutRequest": object([]string{"hostname"}, setProps(false)),
				"Events": object([]string{"events"}, map[string]any{"events": map[string]any{"type": "array", "minItems": 1, "items": map[string]string{"$ref": "#/components/schemas/Event"}},
					"validate_forward": map[string]any{"type": "boolean", "default": true, "description": "check that each custom name resolves to its address first"}}),
				"Event": object([]string{"event", "ip"}, map[string]any{
					"event": map[string]any{"type": "string", "enum": []string{"provision", "deprovision", "set", "unset"}},
					"ip":    str("one address"), "customer": str(""), "hostname": str("required for set"), "ticket": str(""),
				}),
				"Problem": map[string]any{"type": "object", "properties": map[string]any{
					"type": map[string]string{"type": "string"}, "title": map[string]string{"type": "string"}, "status": map[string]string{"type": "integer"},
					"detail": map[string]string{"type": "string"}, "code": map[string]string{"type": "string"},
					"invalid": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{"field": map[string]string{"type": "string"}, "reason": map[string]string{"type": "string"}}}},
				}}},
		},
	}
}

func object(required []string, props map[string]any) map[string]any {
	return map[string]any{"type": "object", "required": required, "additionalProperties": false, "properties": props}
}

func str(desc string) map[string]any {
	if desc == "" {
		return map[string]any{"type": "string"}
	}
	return map[string]any{"type": "string", "description": desc}
}

func setProps(withIP bool) map[string]any {
	p := map[string]any{
		"hostname":         str("the PTR target; checked as set checks it (letters, digits, hyphens; labels up to 63 octets, names up to 253)"),
		"validate_forward": map[string]any{"type": "boolean", "default": true},
		"customer":         str(""), "ticket": str(""),
	}
	if withIP {
		p["ip"] = str("one address")
	}
	return p
}
