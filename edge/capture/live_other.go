//go:build !linux

package capture

import (
	"errors"
	"fmt"
)

// OpenLive is only implemented on Linux, where the sensor runs.
func OpenLive(iface string, opts LiveOptions) (Source, error) {
	return nil, fmt.Errorf("capture: open %s: %w", iface, errors.ErrUnsupported)
}
