package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// The JSON bodies of the API are decoded strictly; whatever arrives, the
// decoder answers with a value or a problem, never a panic.
func FuzzDecodeBodies(f *testing.F) {
	for _, s := range []string{
		`{"ip":"198.51.100.44","hostname":"mail.ourcorp.com","validate_forward":true}`,
		`{"hostname":"mail.ourcorp.com","customer":"C-1","ticket":"T-1"}`,
		`{"events":[{"event":"set","ip":"198.51.100.44","hostname":"a.example"},{"event":"deprovision","ip":"198.51.100.45"}]}`,
		`{"ip":1}`, `{"events":null}`, `[]`, `{"a":1}{"b":2}`, "{\"hostname\":\"a\\nb\"}", `{"ip":"198.51.100.44/24"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var sb setBody
		r := httptest.NewRequest("POST", "/api/v1/ptr", strings.NewReader(body))
		if e := decode(r, &sb); e != nil && (e.Status < 400 || e.Status > 499) {
			t.Fatalf("status %d for a bad body", e.Status)
		}
		var eb struct {
			Events []eventBody `json:"events"`
		}
		r = httptest.NewRequest("POST", "/api/v1/events", strings.NewReader(body))
		if e := decode(r, &eb); e != nil && (e.Status < 400 || e.Status > 499) {
			t.Fatalf("status %d for a bad body", e.Status)
		}
	})
}
