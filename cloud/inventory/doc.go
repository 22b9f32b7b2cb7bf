// Package inventory serves each tenant's device inventory (V1-1..V1-6,
// V4-1..V4-6): it reads the evidence the sensors forwarded from the store,
// runs edge/intel over it, and keeps the result until the tenant's data
// changes. The portal asks it for every inventory page; the connected-
// and vulnerable-device detectors (D1-1, D1-2) read the same inventory.
//
// Inference runs here, in the cloud, rather than on the sensor: better
// signatures and lifecycle data apply to all data at once, and roles and
// importance need the communication graph over days, which only the cloud
// has.
package inventory
