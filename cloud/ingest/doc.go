// Package ingest is the cloud's actor tree for incoming batches:
//
//	cloud
//	├── ingest                  decode, verify identity, route
//	└── tenants                 supervisor of every tenant
//	    └── <tenant>            one per customer
//	        └── <sensor>        one per sensor: stores its batches, keeps its counters
//
// A batch is acknowledged to the sensor only after its sensor actor has
// committed it to the store; the store's (tenant, sensor, seq) key makes a
// redelivered batch a no-op, so ingest is exactly once.
package ingest
