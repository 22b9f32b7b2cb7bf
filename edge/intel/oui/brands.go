package oui

import "strings"

// brands maps registrant names (after ShortName) to the brand a plant
// engineer knows the maker by: registrations made under a former company
// name, a subsidiary or a research arm. Only makers common on Japanese
// plant floors and in their offices are listed.
var brands = map[string]string{
	"Omron Tateisi Electronics":         "Omron",
	"Telemecanique Electrique":          "Schneider Electric",
	"Schneider Electric Japan Holdings": "Schneider Electric (Pro-face)",
	"Digital Electronics":               "Schneider Electric (Pro-face)",
	"Allied Telesis R&D Center":         "Allied Telesis",
	"Allied Telesyn International":      "Allied Telesis",
	"Hirschmann Automation and Control": "Hirschmann",
	"Richard Hirschmann":                "Hirschmann",
	"Moxa Technologies":                 "Moxa",
	"Hewlett Packard":                   "HP",
	"Hewlett-Packard Company":           "HP",
	"Hewlett Packard Enterprise":        "HPE",
	"Cisco Systems":                     "Cisco",
	"Advantech":                         "Advantech",
	"Yokogawa Electric":                 "Yokogawa",
	"Keyence":                           "Keyence",
	"Fuji Electric":                     "Fuji Electric",
	"Panasonic Industrial Devices SUNX": "Panasonic",
	"Allen-Bradley":                     "Rockwell Automation",
	"Phoenix Contact Electronics":       "Phoenix Contact",
	"Beckhoff Automation":               "Beckhoff",
	"VMware":                            "VMware",
}

// brandsFolded is brands keyed by lower case: registrations differ in
// capitalisation ("PHOENIX CONTACT Electronics").
var brandsFolded = func() map[string]string {
	m := make(map[string]string, len(brands))
	for k, v := range brands {
		m[strings.ToLower(k)] = v
	}
	return m
}()

// brand returns the brand of a short name, or the name itself.
func brand(short string) string {
	if b, ok := brandsFolded[strings.ToLower(short)]; ok {
		return b
	}
	return short
}
