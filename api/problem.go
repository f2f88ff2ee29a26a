// Package api is rdnsctl's HTTP API (rdnsctl serve): the seed's
// "provisioning system calls the rDNS API" over the same domain packages and
// the same apply engine as the CLI. Handlers decode, authorise, call the
// Service and render; what a PTR change means lives behind the Service.
//
// Errors are RFC 9457 problem documents with a stable code member.
package api

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Error is a refusal with its HTTP status and stable code; a Service
// returns these for the cases a client tells apart.
type Error struct {
	Status  int
	Code    string // e.g. forward_mismatch, no_zone, conflict
	Title   string
	Detail  string
	Invalid []Invalid
	// Extra members of the problem document (the addresses a forward
	// check found, ...).
	Extra map[string]any
	// RetryAfter, in seconds, for 429 and 503.
	RetryAfter int
}

// Invalid is one bad field of a request.
type Invalid struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

// Errorf makes an Error.
func Errorf(status int, code, detail string) *Error {
	return &Error{Status: status, Code: code, Detail: detail}
}

// writeProblem renders an Error as application/problem+json.
func writeProblem(w http.ResponseWriter, e *Error) {
	title := e.Title
	if title == "" {
		title = http.StatusText(e.Status)
	}
	doc := map[string]any{
		"type":   "https://rdnsctl.example/problems/" + e.Code,
		"title":  title,
		"status": e.Status,
		"detail": e.Detail,
		"code":   e.Code,
	}
	if len(e.Invalid) > 0 {
		doc["invalid"] = e.Invalid
	}
	for k, v := range e.Extra {
		doc[k] = v
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(doc)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
