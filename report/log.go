package report

import (
	"time"

	"github.com/rdnsctl/rdnsctl/journal"
)

// LogHeader is the table and CSV header of the change journal (log). The
// first eight columns are in the order they always had, so scripts that
// cut them keep working.
var LogHeader = []string{"time", "operator", "action", "ip", "old", "new", "ticket", "zone", "type", "customer", "command"}

// LogRow is one journal entry as a row, in LogHeader's order.
func LogRow(e *journal.Entry) []string {
	return []string{e.Time.UTC().Format(time.RFC3339), e.Operator, e.Action, e.IP, e.Old, e.New, e.Ticket, e.Zone,
		e.Type, e.Customer, e.Command}
}

// LogEntry is one journal entry in the JSON contract of log ("entries" in
// docs/json.md): every field always there (the journal file leaves empty
// ones out); ip is null for a record without an address.
type LogEntry struct {
	Time     time.Time `json:"time"`
	Operator string    `json:"operator"`
	Command  string    `json:"command"`
	Ticket   string    `json:"ticket"`
	Customer string    `json:"customer"`
	Action   string    `json:"action"`
	Type     string    `json:"type"`
	IP       *string   `json:"ip"`
	Name     string    `json:"name"`
	Old      string    `json:"old"`
	New      string    `json:"new"`
	Zone     string    `json:"zone"`
	File     string    `json:"file"`
	Reason   string    `json:"reason"`
}

// Log is the JSON document of log.
type Log struct {
	Entries []LogEntry `json:"entries"`
}

// LogDoc is the log document of entries ([] when there is none).
func LogDoc(entries []journal.Entry) Log {
	out := Log{Entries: make([]LogEntry, 0, len(entries))}
	for _, e := range entries {
		le := LogEntry{Time: e.Time.UTC(), Operator: e.Operator, Command: e.Command, Ticket: e.Ticket, Customer: e.Customer,
			Action: e.Action, Type: e.Type, Name: e.Name, Old: e.Old, New: e.New, Zone: e.Zone, File: e.File, Reason: e.Reason}
		if e.IP != "" {
			ip := e.IP
			le.IP = &ip
		}
		out.Entries = append(out.Entries, le)
	}
	return out
}
