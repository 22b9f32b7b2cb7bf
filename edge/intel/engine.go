package intel

import (
	"errors"
	"fmt"
	"os"

	"mimamori/edge/intel/osfp"
	"mimamori/edge/intel/oui"
	"mimamori/edge/intel/p0f"
	"mimamori/edge/intel/services"
)

// DefaultOUIOverridePath is read, when it exists, for corrections and
// additions to the MAC vendor registry (format: oui.ReadOverrides).
const DefaultOUIOverridePath = "/etc/mimamori/oui-override.txt"

// Options configure an Engine. Zero values take the defaults.
type Options struct {
	// P0fPath is p0f's fingerprint database, read when present; ""
	// means p0f.SystemPath. Mimamori's own signatures are always used.
	P0fPath string
	// OUIOverridePath is an override file for the MAC vendor registry,
	// read when present; "" means DefaultOUIOverridePath.
	OUIOverridePath string
}

// Engine holds the reference data inference needs: the MAC registry, the
// service names and the TCP signatures. It is immutable and safe for
// concurrent use; build one per process.
type Engine struct {
	oui       *oui.Table
	services  *services.Table
	os        *osfp.Estimator
	p0fLoaded bool // the p0f database file was found
}

// New loads the embedded tables and the optional files.
func New(opts Options) (*Engine, error) {
	db, found, err := p0f.Load(opts.P0fPath)
	if err != nil {
		return nil, fmt.Errorf("intel: %w", err)
	}
	tbl, err := loadOUI(opts.OUIOverridePath)
	if err != nil {
		return nil, err
	}
	svc, err := services.Embedded()
	if err != nil {
		return nil, fmt.Errorf("intel: %w", err)
	}
	return &Engine{oui: tbl, services: svc, os: osfp.New(db), p0fLoaded: found}, nil
}

func loadOUI(path string) (*oui.Table, error) {
	b := oui.NewBuilder()
	if err := b.ReadCompactEmbedded(); err != nil {
		return nil, fmt.Errorf("intel: %w", err)
	}
	if path == "" {
		path = DefaultOUIOverridePath
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return b.Table(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("intel: OUI overrides: %w", err)
	}
	defer f.Close()
	rs, err := oui.ReadOverrides(f)
	if err != nil {
		return nil, fmt.Errorf("intel: OUI overrides %s: %w", path, err)
	}
	if err := b.AddRecords(rs); err != nil {
		return nil, fmt.Errorf("intel: OUI overrides %s: %w", path, err)
	}
	return b.Table(), nil
}

// P0fDatabaseLoaded reports whether p0f's own database was found.
func (e *Engine) P0fDatabaseLoaded() bool { return e.p0fLoaded }

// Services is the built-in service name table (IANA and OT ports).
func (e *Engine) Services() *services.Table { return e.services }

// Vendor looks up a MAC address's vendor.
func (e *Engine) Vendor(mac [6]byte) (oui.Vendor, bool) { return e.oui.Lookup(mac) }
