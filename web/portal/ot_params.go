package portal

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"mimamori/cloud/store"
)

const (
	maxFunctionLen = 64
	// maxOTDays bounds the period of one OT query: the retention (C6).
	maxOTDays = 366
)

// protocolID is the form of protocol ids (docs/PROTOCOLS.md).
var protocolID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// otSorts are the sort orders a list or the API accepts.
var otSorts = map[string]store.OTSort{
	"":         store.OTSortLast,
	"last":     store.OTSortLast,
	"count":    store.OTSortCount,
	"errors":   store.OTSortErrors,
	"first":    store.OTSortFirst,
	"protocol": store.OTSortProtocol,
}

// otFilter is the parsed filter of the OT lists and API.
type otFilter struct {
	Layer    store.OTLayer
	Protocol string
	Function string
	Device   string
	Sensor   string
	// From and To bound the period; a zero From is the store's default
	// (the last seven days). A bare date as to includes that day.
	From, To time.Time
	Sort     store.OTSort
}

func (f otFilter) query(limit, offset int) store.OTQuery {
	return store.OTQuery{
		Days:     store.TimeRange{From: f.From, To: f.To},
		Protocol: f.Protocol,
		Function: f.Function,
		Device:   f.Device,
		Sensor:   f.Sensor,
		Layer:    f.Layer,
		Sort:     f.Sort,
		Limit:    limit,
		Offset:   offset,
	}
}

// filtered reports whether anything narrows the list beyond its layer
// and the default period.
func (f otFilter) filtered() bool {
	return f.Protocol != "" || f.Function != "" || f.Device != "" || f.Sensor != "" || !f.From.IsZero() || !f.To.IsZero()
}

// parseOTFilter reads protocol, function, device, sensor, from, to and sort;
// the API also reads layer (ip, ethernet; absent for both).
func parseOTFilter(q url.Values, loc *time.Location, withLayer bool) (otFilter, error) {
	var f otFilter
	if withLayer {
		switch v := strings.TrimSpace(q.Get("layer")); v {
		case "":
		case "ip":
			f.Layer = store.OTLayerIP
		case "ethernet":
			f.Layer = store.OTLayerEthernet
		default:
			return otFilter{}, &paramError{"layer", "want ip or ethernet"}
		}
	}
	if v := strings.TrimSpace(q.Get("protocol")); v != "" {
		if !protocolID.MatchString(v) {
			return otFilter{}, &paramError{"protocol", "want a protocol id such as modbus, slmp or cclink-ie-field"}
		}
		f.Protocol = v
	}
	var err error
	if f.Function, err = parseSearch(q, "function"); err != nil {
		return otFilter{}, err
	}
	if len(f.Function) > maxFunctionLen {
		return otFilter{}, &paramError{"function", fmt.Sprintf("longer than %d bytes", maxFunctionLen)}
	}
	if f.Device, err = parseSearch(q, "device"); err != nil {
		return otFilter{}, err
	}
	if f.Sensor, err = parseSearch(q, "sensor"); err != nil {
		return otFilter{}, err
	}
	if f.From, err = parseTimeParam(q, "from", loc); err != nil {
		return otFilter{}, err
	}
	if f.To, err = parseTimeParam(q, "to", loc); err != nil {
		return otFilter{}, err
	}
	// A date picker's end date means the whole of that day.
	if v := strings.TrimSpace(q.Get("to")); len(v) == len("2006-01-02") && !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() {
		if !f.To.After(f.From) {
			return otFilter{}, &paramError{"to", reasonRangeOrder}
		}
		if f.To.Sub(f.From) > maxOTDays*24*time.Hour {
			return otFilter{}, &paramError{"from", fmt.Sprintf("the period is longer than %d days", maxOTDays)}
		}
	}
	sort, ok := otSorts[strings.TrimSpace(q.Get("sort"))]
	if !ok {
		return otFilter{}, &paramError{"sort", "want last, count, errors, first or protocol"}
	}
	f.Sort = sort
	return f, nil
}
