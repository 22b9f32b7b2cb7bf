// Package storetest is the conformance suite every store.Store
// implementation runs: the behaviour the ingest path, the portal and the
// detectors rely on, stated once and checked against SQLite today and
// PostgreSQL later. It uses only the store interface, so nothing in it may
// depend on how an implementation lays out its data.
//
// An implementation's test calls Run with a function that opens an empty
// store reading time from the given clock:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
//			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"), sqlite.WithClock(now))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Times are compared at microsecond precision, which both SQLite (as stored
// here) and PostgreSQL keep.
package storetest
