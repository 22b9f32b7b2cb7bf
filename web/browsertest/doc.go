// Package browsertest starts the headless Chromium that the portal's and
// the sensor status page's browser tests drive with chromedp: it finds the
// browser (skipping without one, failing under CI=true, where a missing
// browser is a broken runner), launches it with the flags this closed
// network needs, and keeps screenshots where a person can look at them.
// Only tests import it.
package browsertest
