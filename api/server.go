package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/lifecycle"
	"github.com/rdnsctl/rdnsctl/rdns"
)

// PTR is what the API says of one address.
type PTR struct {
	IP        string   `json:"ip"`
	PTR       []string `json:"ptr"`
	Default   *string  `json:"default"`
	Custom    bool     `json:"custom"`
	Zone      *string  `json:"zone"`
	Source    *string  `json:"source"`
	Delegated bool     `json:"delegated"`
}

// ETag is the entity tag of an address's state: it changes whenever its
// PTRs do.
func (p *PTR) ETag() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%t", p.IP, strings.Join(p.PTR, "\x00"), p.Delegated)
	return `"` + hex.EncodeToString(h.Sum(nil))[:20] + `"`
}

// Caller is who makes a request: the token's name is the journal's operator.
type Caller struct {
	Name string
}

// SetRequest is the body of POST /api/v1/ptr and PUT /api/v1/ptr/{ip}.
type SetRequest struct {
	IP              netip.Addr
	Hostname        string
	ValidateForward bool
	Customer        string
	Ticket          string
	IfMatch         string
	Caller          Caller
}

// Forward is the forward check of a set.
type Forward struct {
	Verdict   string   `json:"verdict"`
	Addresses []string `json:"addresses"`
}

// ChangeResult is the answer to a change of one address.
type ChangeResult struct {
	IP       string   `json:"ip"`
	Hostname *string  `json:"hostname"`
	Previous []string `json:"previous"`
	Zone     *string  `json:"zone"`
	Serial   *uint32  `json:"serial"`
	Status   string   `json:"status"` // changed | unchanged
	Forward  *Forward `json:"forward,omitempty"`
}

// EventResult is the outcome of one event of a batch.
type EventResult struct {
	Index   int    `json:"index"`
	Event   string `json:"event"`
	IP      string `json:"ip"`
	Status  string `json:"status"` // changed | unchanged | rejected
	Changes int    `json:"changes"`
	Reason  string `json:"reason,omitempty"`
}

// EventsResult is the answer to POST /api/v1/events.
type EventsResult struct {
	Results []EventResult  `json:"results"`
	Changes rdns.ChangeSet `json:"-"`
	Written bool           `json:"written"`
}

// Service is what the handlers call: the domain behind the API.
type Service interface {
	Get(ctx context.Context, ip netip.Addr) (*PTR, error)
	List(ctx context.Context, prefix netip.Prefix, customOnly bool) ([]PTR, error)
	Set(ctx context.Context, req SetRequest) (*ChangeResult, error)
	Unset(ctx context.Context, ip netip.Addr, ifMatch string, caller Caller) (*ChangeResult, error)
	// Events applies a batch; validate: check the forward DNS of custom
	// names first (the body's validate_forward, default true).
	Events(ctx context.Context, events []lifecycle.Event, dryRun, validate bool, caller Caller) (*EventsResult, error)
	Log(ctx context.Context, prefix netip.Prefix, since time.Time, limit int) ([]journal.Entry, error)
	FCrDNS(ctx context.Context, ip netip.Addr) (any, error)
	Ready(ctx context.Context) error
}

// Options tune the server.
type Options struct {
	// Tokens authenticates callers; nil means no authentication
	// (--insecure-no-auth, loopback only).
	Tokens *Tokens
	// RateLimit is requests per second per token (0: none), Burst its
	// bucket.
	RateLimit float64
	Burst     int
	Log       *slog.Logger
	Registry  *prometheus.Registry
}

// Server is the HTTP API.
type Server struct {
	svc  Service
	opt  Options
	mux  *http.ServeMux
	m    *metrics
	rate *limiter
}

// New makes the API over svc.
func New(svc Service, opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if opt.Registry == nil {
		opt.Registry = prometheus.NewRegistry()
	}
	s := &Server{svc: svc, opt: opt, mux: http.NewServeMux(), m: newMetrics(opt.Registry)}
	if opt.RateLimit > 0 {
		s.rate = &limiter{rate: opt.RateLimit, burst: max(opt.Burst, 1), buckets: map[string]*bucket{}}
	}
	for _, r := range Routes {
		s.mux.Handle(r.Method+" "+r.Path, s.wrap(r, s.handler(r.Name)))
	}
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, pattern := s.mux.Handler(r); pattern == "" {
		probe := &statusOnly{header: http.Header{}}
		h.ServeHTTP(probe, r) // the mux's own answer: its status and Allow
		if probe.status == http.StatusNotFound || probe.status == http.StatusMethodNotAllowed {
			s.noRoute(w, r, probe)
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// noRoute answers a request no route takes as a problem document, like
// every other refusal (404, or 405 with Allow), logged and counted.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request, probe *statusOnly) {
	start := time.Now()
	st := probe.status
	e := Errorf(st, "not_found", "no such endpoint: "+r.URL.Path+" (see /api/v1/openapi.json)")
	if st == http.StatusMethodNotAllowed {
		e.Code = "method_not_allowed"
		e.Detail = r.Method + " is not allowed on " + r.URL.Path
		w.Header().Set("Allow", probe.header.Get("Allow"))
	}
	writeProblem(w, e)
	s.m.requests.WithLabelValues("other", r.Method, strconv.Itoa(st)).Inc()
	s.opt.Log.Info("request", "method", r.Method, "route", "", "status", st, "token", "", "duration_ms", float64(time.Since(start).Microseconds())/1000)
}

// statusOnly records the status and headers a handler writes, and drops
// its body.
type statusOnly struct {
	header http.Header
	status int
}

func (p *statusOnly) Header() http.Header { return p.header }
func (p *statusOnly) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *statusOnly) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

// Metrics is the counters the service reports into.
func (s *Server) Metrics() *metrics { return s.m }

type ctxKey int

const callerKey ctxKey = 0

type tokenInfo struct {
	tok *Token // nil without authentication
}

func callerOf(r *http.Request) tokenInfo {
	t, _ := r.Context().Value(callerKey).(tokenInfo)
	return t
}

func (t tokenInfo) name() string {
	if t.tok == nil {
		return "anonymous"
	}
	return t.tok.Name
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// wrap adds authentication, the rate limit, the body limit, metrics and the
// request log line.
func (s *Server) wrap(rt Route, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		var info tokenInfo
		defer func() {
			st := rec.status
			if st == 0 {
				st = http.StatusOK
			}
			d := time.Since(start)
			s.m.requests.WithLabelValues(rt.Path, r.Method, strconv.Itoa(st)).Inc()
			s.m.latency.WithLabelValues(rt.Path).Observe(d.Seconds())
			s.opt.Log.Info("request", "method", r.Method, "route", rt.Path, "status", st, "token", info.name(), "duration_ms", float64(d.Microseconds())/1000)
		}()
		if rt.Auth && s.opt.Tokens != nil {
			// the scheme is case-insensitive (RFC 9110 §11.1)
			scheme, secret, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
			secret = strings.TrimSpace(secret)
			if !strings.EqualFold(scheme, "Bearer") || secret == "" {
				rec.Header().Set("WWW-Authenticate", `Bearer realm="rdnsctl"`)
				writeProblem(rec, Errorf(http.StatusUnauthorized, "unauthorized", "a bearer token is required (Authorization: Bearer TOKEN)"))
				return
			}
			tok, found := s.opt.Tokens.Find(secret)
			if !found {
				rec.Header().Set("WWW-Authenticate", `Bearer realm="rdnsctl", error="invalid_token"`)
				writeProblem(rec, Errorf(http.StatusUnauthorized, "unauthorized", "unknown or revoked token"))
				return
			}
			info.tok = tok
			if rt.Write && tok.ReadOnly {
				writeProblem(rec, Errorf(http.StatusForbidden, "read_only", "token "+tok.Name+" is read-only"))
				return
			}
		}
		if s.rate != nil && rt.Auth {
			if wait, ok := s.rate.allow(info.name()); !ok {
				e := Errorf(http.StatusTooManyRequests, "rate_limited", "too many requests for token "+info.name())
				e.RetryAfter = max(1, int(wait.Seconds()+0.999))
				writeProblem(rec, e)
				return
			}
		}
		if rt.MaxBody > 0 {
			r.Body = http.MaxBytesReader(rec, r.Body, rt.MaxBody)
		}
		h(rec, r.WithContext(context.WithValue(r.Context(), callerKey, info)))
	})
}

// fail renders a Service error.
func (s *Server) fail(w http.ResponseWriter, err error) {
	var e *Error
	switch {
	case errors.As(err, &e):
	case errors.Is(err, context.DeadlineExceeded):
		e = Errorf(http.StatusServiceUnavailable, "timeout", err.Error())
		e.RetryAfter = 5
	default:
		e = Errorf(http.StatusInternalServerError, "internal", err.Error())
	}
	switch e.Code {
	case "forward_mismatch", "no_forward", "forward_alias", "invalid_hostname":
		s.m.refusals.WithLabelValues(e.Code).Inc()
	case "conflict", "stale":
		s.m.conflicts.Inc()
	case "upstream":
		s.m.upstream.Inc()
	}
	if e.Status == http.StatusServiceUnavailable && e.RetryAfter == 0 {
		e.RetryAfter = 5 // every 503 says when to come back (locked, shutting down, a resolver down)
	}
	if rc, ok := e.Extra["rcode"].(string); ok {
		s.m.Rcodes.WithLabelValues(rc).Inc()
	}
	if applied, ok := e.Extra["applied"].([]rdns.Change); ok {
		s.m.Applied(len(applied)) // a write refused in part: what is live counts
	}
	writeProblem(w, e)
}

// decode reads a JSON body strictly: unknown fields are a 400, an
// over-long body a 413.
func decode(r *http.Request, v any) *Error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return Errorf(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is over %d bytes", mbe.Limit))
		}
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field == "" {
			return Errorf(http.StatusBadRequest, "bad_request", "the body must be a JSON object")
		}
		if errors.As(err, &ute) {
			return &Error{Status: http.StatusBadRequest, Code: "bad_request", Detail: "a field has the wrong type", Invalid: []Invalid{{Field: ute.Field, Reason: "want " + ute.Type.String()}}}
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return &Error{Status: http.StatusBadRequest, Code: "bad_request", Detail: "unknown field " + f, Invalid: []Invalid{{Field: strings.Trim(f, `"`), Reason: "unknown field"}}}
		}
		return Errorf(http.StatusBadRequest, "bad_request", "the body is not valid JSON: "+err.Error())
	}
	if dec.More() {
		return Errorf(http.StatusBadRequest, "bad_request", "the body holds more than one JSON value")
	}
	return nil
}

// limiter is a token bucket per API token.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   int
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func (l *limiter) allow(name string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	b := l.buckets[name]
	if b == nil {
		b = &bucket{tokens: float64(l.burst), last: now}
		l.buckets[name] = b
	}
	b.tokens = min(float64(l.burst), b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
}

type metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	changes   prometheus.Counter
	refusals  *prometheus.CounterVec
	conflicts prometheus.Counter
	upstream  prometheus.Counter
	Rcodes    *prometheus.CounterVec
	handler   http.Handler
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rdnsctl_http_requests_total", Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rdnsctl_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route"}),
		changes:   prometheus.NewCounter(prometheus.CounterOpts{Name: "rdnsctl_changes_applied_total", Help: "PTR changes applied and journaled."}),
		refusals:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rdnsctl_validation_refusals_total", Help: "Writes refused by validation, by code."}, []string{"code"}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{Name: "rdnsctl_conflicts_total", Help: "Writes refused because the data changed (conflict, stale If-Match)."}),
		upstream:  prometheus.NewCounter(prometheus.CounterOpts{Name: "rdnsctl_upstream_errors_total", Help: "Pushes a live server refused."}),
		Rcodes:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rdnsctl_upstream_rcodes_total", Help: "RCODEs of live servers' answers to the API's UPDATEs, by rcode (NOERROR per zone written)."}, []string{"rcode"}),
	}
	reg.MustRegister(m.requests, m.latency, m.changes, m.refusals, m.conflicts, m.upstream, m.Rcodes)
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m
}

// Applied counts changes applied.
func (m *metrics) Applied(n int) { m.changes.Add(float64(n)) }
