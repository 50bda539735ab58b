package engine

// StrippedMarker is the file `pikaraft-admin strip-for-pika` leaves in a
// db-path it handed back to Pika. Pika ignores it; pikaraft refuses to
// start on such a db-path while the old Raft state is still next to it
// (the data may have changed under Pika since), and removes it once it has
// adopted the directory again as a fresh in-place upgrade.
const StrippedMarker = "PIKARAFT_STRIPPED"
