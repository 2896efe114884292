/**
 * An asset-transfer contract written with the SDK, the example the README
 * walks through: assets keyed by id, stored as JSON with a fixed field
 * order (every endorser must write identical bytes), owned by an org; only
 * a client of the owning org may change, transfer or delete an asset
 * (checked with `ctx.clientIdentity`); time comes from the proposal
 * (`stub.getTxTimestamp()`), never from the endorser's clock; a transfer
 * emits an `AssetTransferred` event.
 */
import { Contract } from '../contract.js';
import type { Context } from '../context.js';

/** An asset as stored in world state. */
export interface Asset {
  readonly ID: string;
  readonly Owner: string;
  /** The MSP id of the org whose clients may change the asset. */
  readonly OwnerOrg: string;
  readonly AppraisedValue: number;
  /** ISO-8601 time of the transaction that last wrote the asset (the proposal's timestamp). */
  readonly UpdatedAt: string;
}

/** The payload of an `AssetTransferred` event. */
export interface AssetTransferred {
  readonly ID: string;
  readonly from: string;
  readonly to: string;
  readonly fromOrg: string;
  readonly toOrg: string;
}

const utf8 = new TextDecoder('utf-8');

export class AssetTransferContract extends Contract {
  /** Functions that only read: evaluate them, never submit. */
  static readonly evaluate = ['ReadAsset', 'AssetExists', 'GetAllAssets'];

  constructor() {
    super('AssetTransfer');
  }

  /** Creates an asset owned by `owner` of the caller's org, appraised at 0. */
  async CreateAsset(ctx: Context, id: string, owner: string): Promise<Asset> {
    if (id === '' || owner === '') throw new Error('an asset needs an id and an owner');
    if (await this.AssetExists(ctx, id)) throw new Error(`the asset ${id} already exists`);
    const asset = this._asset(ctx, { ID: id, Owner: owner, OwnerOrg: ctx.clientIdentity.getMSPID(), AppraisedValue: 0 });
    await this._put(ctx, asset);
    return asset;
  }

  /** The asset with this id. */
  async ReadAsset(ctx: Context, id: string): Promise<Asset> {
    const bytes = await ctx.stub.getState(id);
    if (bytes.length === 0) throw new Error(`the asset ${id} does not exist`);
    return JSON.parse(utf8.decode(bytes)) as Asset;
  }

  /** Whether an asset with this id exists. */
  async AssetExists(ctx: Context, id: string): Promise<boolean> {
    return (await ctx.stub.getState(id)).length > 0;
  }

  /** Sets the appraised value (a whole number) of an asset of the caller's org. */
  async UpdateAsset(ctx: Context, id: string, appraisedValue: string): Promise<Asset> {
    if (!/^(0|[1-9][0-9]{0,14})$/.test(appraisedValue)) throw new Error(`appraised value ${JSON.stringify(appraisedValue)} is not a whole number`);
    const asset = await this._owned(ctx, id);
    const updated = this._asset(ctx, { ...asset, AppraisedValue: Number(appraisedValue) });
    await this._put(ctx, updated);
    return updated;
  }

  /** Deletes an asset of the caller's org. */
  async DeleteAsset(ctx: Context, id: string): Promise<void> {
    await this._owned(ctx, id);
    await ctx.stub.deleteState(id);
  }

  /** Gives an asset of the caller's org to `newOwner` of `newOwnerOrg`; answers the previous owner. */
  async TransferAsset(ctx: Context, id: string, newOwner: string, newOwnerOrg: string): Promise<string> {
    if (newOwner === '' || newOwnerOrg === '') throw new Error('a transfer needs the new owner and their org');
    const asset = await this._owned(ctx, id);
    await this._put(ctx, this._asset(ctx, { ...asset, Owner: newOwner, OwnerOrg: newOwnerOrg }));
    const event: AssetTransferred = { ID: id, from: asset.Owner, to: newOwner, fromOrg: asset.OwnerOrg, toOrg: newOwnerOrg };
    ctx.stub.setEvent('AssetTransferred', Buffer.from(JSON.stringify(event)));
    return asset.Owner;
  }

  /** Every asset, in key order (a range read over all simple keys). */
  async GetAllAssets(ctx: Context): Promise<Asset[]> {
    const assets: Asset[] = [];
    for await (const { value } of ctx.stub.getStateByRange('', '')) assets.push(JSON.parse(utf8.decode(value)) as Asset);
    return assets;
  }

  /** The asset, when the caller belongs to the org that owns it. */
  async _owned(ctx: Context, id: string): Promise<Asset> {
    const asset = await this.ReadAsset(ctx, id);
    const caller = ctx.clientIdentity.getMSPID();
    if (caller !== asset.OwnerOrg) throw new Error(`a client of ${caller} may not change the asset ${id} of ${asset.OwnerOrg}`);
    return asset;
  }

  /** The stored form: fields in a fixed order, stamped with the transaction's time. */
  _asset(ctx: Context, fields: Omit<Asset, 'UpdatedAt'>): Asset {
    const { seconds, nanos } = ctx.stub.getTxTimestamp();
    const updatedAt = new Date(seconds.toNumber() * 1000 + Math.floor(nanos / 1_000_000)).toISOString();
    return { ID: fields.ID, Owner: fields.Owner, OwnerOrg: fields.OwnerOrg, AppraisedValue: fields.AppraisedValue, UpdatedAt: updatedAt };
  }

  async _put(ctx: Context, asset: Asset): Promise<void> {
    await ctx.stub.putState(asset.ID, Buffer.from(JSON.stringify(asset)));
  }
}
