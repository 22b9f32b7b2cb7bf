package eol

import (
	"regexp"
	"strings"
	"time"
)

// State is a device's support status.
type State string

const (
	Unknown   State = "unknown"   // no lifecycle data for the OS
	Supported State = "supported" // every candidate product is supported
	Ending    State = "ending"    // supported, but support ends within a year
	Partial   State = "partial"   // some candidate products are out of support
	EOL       State = "eol"       // every candidate product is out of support
)

// EndingWithin is how close to its end a product counts as ending.
const EndingWithin = 365 * 24 * time.Hour

// Product is one lifecycle entry.
type Product struct {
	Name string
	// End is the last day of support (extended support for Windows,
	// maintenance for distributions, sale for discontinued controllers).
	End  time.Time
	Kind string // what End is: "support" or "sale"
}

// Status is the judgement for one OS.
type Status struct {
	State    State
	Products []Product // the products the OS name may be, with their dates
}

// Vulnerable reports whether the device runs software out of support in
// every reading of its OS: what D1-2 alerts on.
func (s Status) Vulnerable() bool { return s.State == EOL }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// products are the dated lifecycles, from the vendors' published
// lifecycle pages: Microsoft's end of extended support; for Linux the end
// of the last long-term kernel (or, for 3.x, of RHEL 7 maintenance) of the
// series; Siemens' product discontinuation of the S7-300.
var products = map[string]Product{
	"Windows NT 4.0":                 {"Windows NT 4.0", day("2004-12-31"), "support"},
	"Windows 98":                     {"Windows 98", day("2006-07-11"), "support"},
	"Windows 2000":                   {"Windows 2000", day("2010-07-13"), "support"},
	"Windows XP":                     {"Windows XP", day("2014-04-08"), "support"},
	"Windows Server 2003":            {"Windows Server 2003", day("2015-07-14"), "support"},
	"Windows Vista":                  {"Windows Vista", day("2017-04-11"), "support"},
	"Windows Server 2008":            {"Windows Server 2008", day("2020-01-14"), "support"},
	"Windows 7":                      {"Windows 7", day("2020-01-14"), "support"},
	"Windows Server 2008 R2":         {"Windows Server 2008 R2", day("2020-01-14"), "support"},
	"Windows 8":                      {"Windows 8", day("2016-01-12"), "support"},
	"Windows 8.1":                    {"Windows 8.1", day("2023-01-10"), "support"},
	"Windows Server 2012":            {"Windows Server 2012", day("2023-10-10"), "support"},
	"Windows Server 2012 R2":         {"Windows Server 2012 R2", day("2023-10-10"), "support"},
	"Windows 10":                     {"Windows 10", day("2025-10-14"), "support"},
	"Windows 11":                     {"Windows 11", time.Time{}, "support"},
	"Windows Server 2016":            {"Windows Server 2016", day("2027-01-12"), "support"},
	"Windows Server 2019":            {"Windows Server 2019", day("2029-01-09"), "support"},
	"Windows Server 2022":            {"Windows Server 2022", day("2031-10-14"), "support"},
	"Windows Server 2025":            {"Windows Server 2025", day("2034-10-10"), "support"},
	"Windows XP Embedded":            {"Windows XP Embedded", day("2016-01-12"), "support"},
	"Windows Embedded Standard 2009": {"Windows Embedded Standard 2009", day("2019-01-08"), "support"},
	"Windows Embedded Standard 7":    {"Windows Embedded Standard 7", day("2020-10-13"), "support"},
	"Windows Embedded 8 Standard":    {"Windows Embedded 8 Standard", day("2023-07-11"), "support"},
	"Windows Embedded CE 6.0":        {"Windows Embedded CE 6.0", day("2018-04-10"), "support"},
	"Windows Embedded Compact 7":     {"Windows Embedded Compact 7", day("2021-04-13"), "support"},
	"Windows Embedded Compact 2013":  {"Windows Embedded Compact 2013", day("2023-10-10"), "support"},
	"Linux 2.0":                      {"Linux 2.0", day("2004-02-08"), "support"},
	"Linux 2.2":                      {"Linux 2.2", day("2004-02-25"), "support"},
	"Linux 2.4":                      {"Linux 2.4", day("2011-12-31"), "support"},
	"Linux 2.6":                      {"Linux 2.6", day("2016-03-12"), "support"},
	"Linux 3.x":                      {"Linux 3.x", day("2024-06-30"), "support"},
	"Siemens S7-300":                 {"Siemens S7-300", day("2023-10-01"), "sale"},
}

// rule maps OS names, as osfp writes them, to the products they may be.
type rule struct {
	re       *regexp.Regexp
	products []string
}

var rules = []rule{
	// Windows ranges and kernels first: they contain the single names.
	{regexp.MustCompile(`^Windows 10 or 11$|^Windows 10/11`), []string{"Windows 10", "Windows 11"}},
	{regexp.MustCompile(`^Windows 7 or 8$`), []string{"Windows 7", "Windows 8"}},
	{regexp.MustCompile(`^Windows 7 or Vista$`), []string{"Windows 7", "Windows Vista"}},
	{regexp.MustCompile(`^Windows XP or Server 2003$|^Windows XP x64 or Server 2003$`), []string{"Windows XP", "Windows Server 2003"}},
	{regexp.MustCompile(`^Windows XP x64$`), []string{"Windows XP"}},
	{regexp.MustCompile(`^Windows NT kernel 5\.x$`), []string{"Windows 2000", "Windows XP", "Windows Server 2003"}},
	{regexp.MustCompile(`^Windows NT kernel 6\.x$`), []string{"Windows Vista", "Windows 7", "Windows 8", "Windows 8.1",
		"Windows Server 2008", "Windows Server 2008 R2", "Windows Server 2012", "Windows Server 2012 R2"}},
	{regexp.MustCompile(`^Windows 8 or newer$|^Windows 8\.1 or newer$`), []string{"Windows 8.1", "Windows 10", "Windows 11",
		"Windows Server 2012 R2", "Windows Server 2016", "Windows Server 2019", "Windows Server 2022", "Windows Server 2025"}},
	{regexp.MustCompile(`^Windows Server 2012 R2 or newer$`), []string{"Windows Server 2012 R2", "Windows Server 2016",
		"Windows Server 2019", "Windows Server 2022", "Windows Server 2025"}},
	{regexp.MustCompile(`^Windows Server 2016 or newer$`), []string{"Windows Server 2016", "Windows Server 2019",
		"Windows Server 2022", "Windows Server 2025"}},
	{regexp.MustCompile(`^Windows CE`), []string{"Windows Embedded CE 6.0", "Windows Embedded Compact 7", "Windows Embedded Compact 2013"}},
	{regexp.MustCompile(`^Windows Embedded Standard 7|^Windows Embedded 7`), []string{"Windows Embedded Standard 7"}},
	{regexp.MustCompile(`^Windows (\S+.*)$`), nil}, // single names: looked up as written
	{regexp.MustCompile(`^Linux 2\.0`), []string{"Linux 2.0"}},
	{regexp.MustCompile(`^Linux 2\.2`), []string{"Linux 2.2"}},
	{regexp.MustCompile(`^Linux 2\.4-2\.6|^Linux 2\.4\.x-2\.6\.x`), []string{"Linux 2.4", "Linux 2.6"}},
	{regexp.MustCompile(`^Linux 2\.2\.x-3\.x`), []string{"Linux 2.2", "Linux 2.4", "Linux 2.6", "Linux 3.x"}},
	{regexp.MustCompile(`^Linux 2\.4`), []string{"Linux 2.4"}},
	{regexp.MustCompile(`^Linux 2\.6`), []string{"Linux 2.6"}},
	{regexp.MustCompile(`^Linux 3\.(x$|x |1-3\.10|\d+$)`), []string{"Linux 3.x"}},
	{regexp.MustCompile(`S7-300|6ES7 31[2-9]|CPU 31[2-9]`), []string{"Siemens S7-300"}},
}

// Candidates lists the products of the lifecycle table an OS name may
// be, nil when the table knows none.
func Candidates(osName string) []string {
	name := strings.TrimSpace(osName)
	for _, r := range rules {
		if !r.re.MatchString(name) {
			continue
		}
		var out []string
		if r.products == nil {
			if _, ok := products[name]; ok {
				out = []string{name}
			}
			return out
		}
		for _, c := range r.products {
			if _, ok := products[c]; ok {
				out = append(out, c)
			}
		}
		return out
	}
	return nil
}

// Lookup judges an OS name (as osfp.Estimate names it) at time now.
func Lookup(osName string, now time.Time) Status {
	candidates := Candidates(osName)
	var st Status
	eol, supported, ending := 0, 0, 0
	for _, c := range candidates {
		p, ok := products[c]
		if !ok {
			continue
		}
		st.Products = append(st.Products, p)
		switch {
		case p.End.IsZero() || now.Before(p.End.Add(-EndingWithin)):
			supported++
		case now.Before(p.End.AddDate(0, 0, 1)):
			ending++
		default:
			eol++
		}
	}
	switch {
	case len(st.Products) == 0:
		st.State = Unknown
	case eol == len(st.Products):
		st.State = EOL
	case eol > 0:
		st.State = Partial
	case ending > 0:
		st.State = Ending
	default:
		st.State = Supported
	}
	return st
}

// Products lists the lifecycle table, for documentation and the portal.
func Products() []Product {
	out := make([]Product, 0, len(products))
	for _, p := range products {
		out = append(out, p)
	}
	return out
}
