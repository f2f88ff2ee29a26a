package report

import "github.com/rdnsctl/rdnsctl/rdns"

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
