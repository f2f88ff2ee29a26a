package report

import (
	"net/netip"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// ChangeHeader is the table and CSV header of a plan (every changing verb).
var ChangeHeader = []string{"action", "ip", "type", "name", "old", "new", "zone", "file", "reason"}

// ChangeRow is one change as a table or CSV row, in ChangeHeader's order.
func ChangeRow(c *rdns.Change) []string {
	ip := ""
	if c.Addr.IsValid() {
		ip = c.Addr.String()
	}
	return []string{string(c.Action), ip, c.Type, c.Name, c.Old, c.New, c.Zone, c.File, c.Reason}
}

// Change is one change in the JSON contract of every changing verb
// ("changes" in docs/json.md): every field is always there; ip, line and
// range are null where the change has none (a delegation's NS record has no
// address; an added record no line).
type Change struct {
	Action   rdns.Action `json:"action"`
	IP       *netip.Addr `json:"ip"`
	Type     string      `json:"type"`
	Name     string      `json:"name"`
	Old      string      `json:"old"`
	New      string      `json:"new"`
	Zone     string      `json:"zone"`
	File     string      `json:"file"`
	Line     *int        `json:"line"`
	Range    *string     `json:"range"`
	Reason   string      `json:"reason"`
	Customer string      `json:"customer"`
	Ticket   string      `json:"ticket"`
}

// ChangeDoc is c in the JSON contract.
func ChangeDoc(c *rdns.Change) Change {
	d := Change{Action: c.Action, Type: c.Type, Name: c.Name, Old: c.Old, New: c.New, Zone: c.Zone, File: c.File,
		Reason: c.Reason, Customer: c.Customer, Ticket: c.Ticket}
	if c.Addr.IsValid() {
		a := c.Addr
		d.IP = &a
	}
	if c.Line > 0 {
		l := c.Line
		d.Line = &l
	}
	if c.Range != "" {
		r := c.Range
		d.Range = &r
	}
	return d
}

// Rejected is an input event that could not be planned, in the JSON of
// apply-events ("rejected" in docs/json.md): where it was, what it asked and
// why it was refused. line is null for an event from the command line.
type Rejected struct {
	File     string `json:"file"`
	Line     *int   `json:"line"`
	Event    string `json:"event"`
	IP       string `json:"ip"`
	Customer string `json:"customer"`
	Hostname string `json:"hostname"`
	Reason   string `json:"reason"`
}
