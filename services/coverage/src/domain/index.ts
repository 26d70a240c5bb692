export * from "./bands";
export * from "./estimates";
export * from "./figures";
export * from "./periods";
export * from "./plan";
export * from "./supersede";
export * from "./suppress";
