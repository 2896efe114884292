// Messages helpers: txId, proposals, endorsements, transactions, blocks. Filled by the tx work.
export {};
